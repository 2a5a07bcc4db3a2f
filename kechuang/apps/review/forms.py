from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.apps.accounts.forms import UnitChoiceField
from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.forms import StyledFormMixin

from .actions import INITIAL_STATUSES, TRANSITIONS
from .models import Document

DATE = forms.DateInput(attrs={"type": "date"})
ACCEPTED = ".docx,.pdf,.txt"


class ContentForm(StyledFormMixin, forms.Form):
    """The document's content: an uploaded file or a pasted text, one of the two."""

    file = forms.FileField(
        label=_("File"), required=False, allow_empty_file=True,  # the engine says why an empty file is refused
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
        help_text=_("A .docx, .pdf (with a text layer) or .txt file; save .doc and .wps files as .docx first."))
    text = forms.CharField(
        label=_("Or paste the text"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": _("The full text of the document")}))

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        if upload and text.strip():
            raise forms.ValidationError(_("Give either a file or a text, not both."))
        if not upload and not text:
            raise forms.ValidationError(_("Upload the document or paste its text."))
        return data


class DocumentCreateForm(ContentForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    number = forms.CharField(label=_("Document number"), max_length=100, required=False,
                             help_text=_("As written on the document, e.g. 乌海政办发〔2022〕26号."))
    org_unit = UnitChoiceField(label=_("Drafting unit"), queryset=OrgUnit.objects.none())
    status = forms.ChoiceField(label=_("Status"), initial=Document.Status.DRAFT,
                               choices=[(s.value, s.label) for s in INITIAL_STATUSES])
    drafted_on = forms.DateField(label=_("Drafted on"), required=False, widget=DATE)
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DATE)

    field_order = ["title", "number", "org_unit", "status", "drafted_on", "published_on", "file", "text"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()


class DocumentEditForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    org_unit = UnitChoiceField(label=_("Drafting unit"), queryset=OrgUnit.objects.none())
    drafted_on = forms.DateField(label=_("Drafted on"), required=False, widget=DATE)
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DATE)
    repealed_on = forms.DateField(label=_("Repealed on"), required=False, widget=DATE)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()


class StatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=[])
    effective_on = forms.DateField(label=_("Effective on"), initial=datetime.date.today, widget=DATE,
                                   help_text=_("The date of publication or of repeal."))
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           help_text=_("E.g. the meeting or the document that decided it."))

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, Document.Status(s).label) for s in TRANSITIONS[document.status]]


class DecisionForm(StyledFormMixin, forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))])
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
