from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _


class ParameterVersionForm(forms.Form):
    parameter = forms.ChoiceField(label=_("Parameter"))
    value = forms.CharField(label=_("New value"), max_length=200,
                            help_text=_("As written in a policy file: 500万, 8%, 3, 2026-01-01."))
    valid_from = forms.DateField(label=_("Valid from"), help_text=_("YYYY-MM-DD; the value applies from this day."),
                                 initial=lambda: datetime.date(datetime.date.today().year + 1, 1, 1))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].choices = [(p.name, f"{p.label}（{p.name}）") for p in policy.parameters.values()]
