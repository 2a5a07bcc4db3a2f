"""One FilterSet for the document list, its Excel export and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.forms import FilterForm

from .models import Document


class DocumentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Title or number"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Document.Status.choices, empty_label=_("All"))
    within = django_filters.CharFilter(label=_("Drafting unit (code)"), method="filter_within")
    findings = django_filters.ChoiceFilter(
        label=_("Findings"), method="filter_findings", empty_label=_("All"),
        choices=[("undecided", _("Undecided findings")), ("confirmed", _("Confirmed findings")),
                 ("any", _("Violations or suspected")), ("none", _("No violations or suspected"))])
    year = django_filters.NumberFilter(label=_("Year published"), field_name="published_on", lookup_expr="year")

    class Meta:
        model = Document
        fields = ["q", "status", "within", "findings", "year"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(number__icontains=value))

    def filter_within(self, queryset, name, value):
        unit = OrgUnit.objects.filter(code=value.strip()).first()
        return queryset.filter(org_unit__path__startswith=unit.path) if unit else queryset.none()

    def filter_findings(self, queryset, name, value):
        if value == "undecided":
            return queryset.filter(open_count__gt=0)
        if value == "confirmed":
            return queryset.filter(confirmed_count__gt=0)
        if value == "any":
            return queryset.filter(Q(violation_count__gt=0) | Q(suspect_count__gt=0))
        if value == "none":
            return queryset.filter(violation_count=0, suspect_count=0)
        return queryset
