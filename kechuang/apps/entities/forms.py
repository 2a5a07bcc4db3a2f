from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.apps.accounts.forms import UnitChoiceField
from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.forms import StyledFormMixin

from .models import Entity, EntityFact
from .validators import validate_uscc

DATE = forms.DateInput(attrs={"type": "date"})


class EntityForm(StyledFormMixin, forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Entity.Kind.choices)
    org_unit = UnitChoiceField(label=_("Division"), queryset=OrgUnit.objects.none())
    registered_on = forms.DateField(label=_("Registration date"), required=False, widget=DATE)
    industry_code = forms.CharField(label=_("Industry code (GB/T 4754-2017)"), max_length=10, required=False)
    tech_field = forms.CharField(label=_("High-tech field"), max_length=20, required=False)
    ownership = forms.CharField(label=_("Ownership"), max_length=50, required=False)
    listed = forms.BooleanField(label=_("Listed"), required=False)
    national_award_top3_year = forms.IntegerField(
        label=_("Latest national S&T award, among the first three award units (year)"), required=False,
        min_value=1949, max_value=2100,
        help_text=_("Tech-SME direct confirmation: a national S&T award within the last five years. Blank: none."))
    led_standard_year = forms.IntegerField(
        label=_("Latest international, national or industry standard led (year)"), required=False,
        min_value=1949, max_value=2100,
        help_text=_("Tech-SME direct confirmation: led a standard within the last five years. Blank: none."))

    def __init__(self, *args, units=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
        if editing:
            self.fields["uscc"].disabled = True

    def clean_uscc(self):
        value = self.cleaned_data["uscc"].strip().upper()
        validate_uscc(value)
        return value


class FactForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = EntityFact
        fields = ["employees", "tech_staff", "sales_revenue", "total_income", "non_taxable_income",
                  "high_tech_income", "rd_expense", "rd_expense_domestic", "total_cost_expense", "net_assets",
                  "total_assets", "ip_class1", "ip_class2", "conversions", "has_rd_institution",
                  "rd_institution_level", "is_above_scale", "is_industrial", "major_incident"]


class AssessmentRunForm(StyledFormMixin, forms.Form):
    """Start a stored assessment run over a unit for an application year."""

    year = forms.IntegerField(label=_("Application year"), min_value=2000, max_value=2100,
                              help_text=_("Assessed on the fiscal years Y−3 to Y−1."))
    org_unit = UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(),
                               help_text=_("Every entity of this unit and the units below it is assessed."))
    on = forms.DateField(label=_("Application date"), required=False, widget=DATE,
                         help_text=_("Blank: 30 June of the application year."))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("on") and data.get("year") and data["on"].year != data["year"]:
            self.add_error("on", _("The application date must fall in the application year."))
        return data


class LadderCriteriaForm(StyledFormMixin, forms.Form):
    """A bureau's own gazelle and leading-enterprise criteria (no national rule exists)."""

    org_unit = UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(),
                               help_text=_("Used by the next runs over this unit and the units below it."))
    gazelle_max_age_years = forms.IntegerField(label=_("Gazelle: at most years since registration"),
                                               min_value=1, max_value=100)
    gazelle_min_sales_yuan = forms.IntegerField(label=_("Gazelle: minimum latest-year sales (yuan)"), min_value=0)
    gazelle_min_cagr_percent = forms.IntegerField(label=_("Gazelle: minimum yearly sales growth (%)"),
                                                  min_value=0, max_value=1000)
    leading_min_sales_yuan = forms.IntegerField(label=_("Leading: minimum latest-year sales (yuan)"), min_value=0)
    leading_min_rd_percent = forms.IntegerField(label=_("Leading: minimum three-year R&D ÷ sales (%)"),
                                                min_value=0, max_value=100)
    use_defaults = forms.BooleanField(label=_("Use the platform defaults instead"), required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
