from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.forms import FilterForm

from .models import AssessmentResult, AssessmentRun, Entity


class EntityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or credit code"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Entity.Kind.choices, empty_label=_("All"))
    within = django_filters.CharFilter(label=_("Within unit (code)"), method="filter_within")
    tech_field = django_filters.CharFilter(label=_("High-tech field"), field_name="tech_field")

    class Meta:
        model = Entity
        fields = ["q", "kind", "within", "tech_field"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(uscc__startswith=value.upper()))

    def filter_within(self, queryset, name, value):
        unit = OrgUnit.objects.filter(code=value.strip()).first()
        return queryset.filter(org_unit__path__startswith=unit.path) if unit else queryset.none()


def _place_choices(request):
    """The places (region, cities, counties, zones) the reader may see, for a select."""
    user = getattr(request, "user", None)
    if user is None:
        return []
    units = OrgUnit.objects.visible_to(user, "entities.view_entity").filter(
        kind__in=OrgUnit.PLACE_KINDS).order_by("path")
    return [(u.code, f"{u.name}（{u.code}）") for u in units]


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class AssessmentResultFilterSet(django_filters.FilterSet):
    """The filter bar of the stored results, the candidate pool and the transitions."""

    year = django_filters.NumberFilter(label=_("Application year"), method="filter_nothing")
    q = django_filters.CharFilter(label=_("Name or credit code"), method="search")
    within = django_filters.ChoiceFilter(label=_("Within unit"), method="filter_within", empty_label=_("All"))
    stage = django_filters.ChoiceFilter(label=_("Ladder stage"), empty_label=_("All"))
    hte = django_filters.ChoiceFilter(label=_("High-tech enterprise"), method="filter_hte", empty_label=_("All"),
                                      choices=[("yes", _("eligible")), ("no", _("not eligible")),
                                               ("undecided", _("undecided"))])
    tsme_eligible = django_filters.ChoiceFilter(label=_("Tech-SME eligible"), method="filter_tsme",
                                                empty_label=_("All"), choices=YES_NO)
    three_zeros = django_filters.ChoiceFilter(label=_("Any of the three zeros"), method="filter_zeros",
                                              empty_label=_("All"), choices=YES_NO)

    class Meta:
        model = AssessmentResult
        fields = ["year", "q", "within", "stage", "hte", "tsme_eligible", "three_zeros"]
        form = FilterForm

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from .assessments import STAGE_LABELS

        self.filters["within"].extra["choices"] = _place_choices(request)
        self.filters["stage"].extra["choices"] = list(STAGE_LABELS.items())

    def filter_nothing(self, queryset, name, value):
        return queryset  # the view applies the year (and its default)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(entity__name__icontains=value) | Q(uscc__startswith=value.upper()))

    def filter_within(self, queryset, name, value):
        unit = OrgUnit.objects.filter(code=value).first()
        return queryset.filter(entity__org_unit__path__startswith=unit.path) if unit else queryset.none()

    def filter_hte(self, queryset, name, value):
        if value == "undecided":
            return queryset.filter(hte_eligible__isnull=True)
        return queryset.filter(hte_eligible=(value == "yes"))

    def filter_tsme(self, queryset, name, value):
        return queryset.filter(tsme_eligible=(value == "yes"))

    def filter_zeros(self, queryset, name, value):
        return queryset.exclude(three_zeros=[]) if value == "yes" else queryset.filter(three_zeros=[])


class TransitionFilterSet(AssessmentResultFilterSet):
    change = django_filters.ChoiceFilter(
        label=_("Change"), method="filter_nothing", empty_label=_("Any change"),
        choices=[("promoted", _("Promoted")), ("dropped", _("Dropped")),
                 ("expiring", _("Certificate expiring this year"))])

    class Meta(AssessmentResultFilterSet.Meta):
        fields = ["year", "change", "q", "within", "stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("hte", "tsme_eligible", "three_zeros"):
            self.filters.pop(name, None)  # before the form is built (lazily, from self.filters)


class AssessmentRunFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Application year"))

    class Meta:
        model = AssessmentRun
        fields = ["year"]
        form = FilterForm
