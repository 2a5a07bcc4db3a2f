from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from kechuang.apps.common.forms import StyledFormMixin

from .models import OrgUnit, User
from .roles import Role


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass


def _split_aliases(text: str) -> list[str]:
    import re

    return [a.strip() for a in re.split(r"[、;；,，\n]", text or "") if a.strip()]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'　' * obj.depth}{obj.name}（{obj.code}）"


class OrgUnitCreateForm(StyledFormMixin, forms.Form):
    parent = UnitChoiceField(label=_("Parent unit"), queryset=OrgUnit.objects.none())
    code = forms.CharField(label=_("Code"), max_length=20,
                           help_text=_("A 6-digit division code, or the parent's code + Z01 (zone) / D001 (body)."))
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)
    aliases = forms.CharField(label=_("Aliases"), required=False, help_text=_("Separate names with 、 or commas."))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("Source"), max_length=200, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units if units is not None else OrgUnit.objects.none()

    def clean_code(self):
        from .actions import validate_unit_code

        code = self.cleaned_data["code"].strip()
        validate_unit_code(code)
        return code

    def clean_aliases(self):
        return _split_aliases(self.cleaned_data["aliases"])


class OrgUnitEditForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)
    aliases = forms.CharField(label=_("Aliases"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Separate names with 、 or commas."))
    source = forms.CharField(label=_("Source"), max_length=200, required=False)

    def clean_aliases(self):
        return _split_aliases(self.cleaned_data["aliases"])


class EffectiveDateForm(StyledFormMixin, forms.Form):
    effective_on = forms.DateField(label=_("Effective on"), initial=datetime.date.today,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           help_text=_("E.g. the document that decided it."))


class OrgUnitRenameForm(EffectiveDateForm):
    new_name = forms.CharField(label=_("New name"), max_length=100)
    field_order = ["new_name", "effective_on", "note"]


class OrgUnitMergeForm(EffectiveDateForm):
    into = UnitChoiceField(label=_("Merge into"), queryset=OrgUnit.objects.none())
    field_order = ["into", "effective_on", "note"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = units if units is not None else OrgUnit.objects.none()


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files are accepted."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class UserCreateForm(StyledFormMixin, forms.Form):
    username = forms.RegexField(label=_("User name"), max_length=150, regex=r"^[\w.@+-]+$",
                                help_text=_("Letters, digits and @/./+/-/_ only."))
    name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput(render_value=True))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org_unit = UnitChoiceField(label=_("In unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("password"):
            candidate = User(username=data.get("username", ""), name=data.get("name", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class UserEditForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "phone", "is_active"]


class SetPasswordForm(StyledFormMixin, forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class RoleGrantForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org_unit = UnitChoiceField(label=_("In unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
