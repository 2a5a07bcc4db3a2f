from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.apps.common.forms import StyledFormMixin


class LoadForm(StyledFormMixin, forms.Form):
    directory = forms.CharField(label=_("Plan folder on the server"), max_length=500,
                                help_text=_("The folder with catalogue.yaml and one .yaml file per plan."))


class RoundForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Period"), coerce=int, initial=0, choices=[
        (0, _("Whole year")), (1, _("Quarter 1")), (2, _("Quarter 2")), (3, _("Quarter 3")), (4, _("Quarter 4"))])
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = datetime.date.today()
        self.fields["year"].initial = today.year - 1
        self.fields["deadline"].initial = today + datetime.timedelta(days=30)


class ReturnForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for return"), widget=forms.Textarea(attrs={"rows": 3}))


class ReviseForm(StyledFormMixin, forms.Form):
    value = forms.FloatField(label=_("Corrected value"))
    source_note = forms.CharField(label=_("Source"), max_length=300, required=False)
    reason = forms.CharField(label=_("Reason for the revision"), widget=forms.Textarea(attrs={"rows": 3}))


class OverrideForm(StyledFormMixin, forms.Form):
    unit = forms.CharField(label=_("Unit code"), max_length=20)
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    value = forms.FloatField(label=_("Value"))
    reason = forms.CharField(label=_("Reason for the override"), widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Filled template (.xlsx)"))


class RevisionRequestForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why must the approved value be corrected?"),
                             widget=forms.Textarea(attrs={"rows": 3}))


class RevisionDecisionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note (required to refuse)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RevisionEntryForm(StyledFormMixin, forms.Form):
    value = forms.FloatField(label=_("Corrected value"))
    source_note = forms.CharField(label=_("Source"), max_length=300)
