"""Form conventions: Bootstrap classes on every widget, errors next to the field."""

from __future__ import annotations

from django import forms


class StyledFormMixin:
    """Give each widget the Bootstrap class it needs, and mark fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class FilterForm(StyledFormMixin, forms.Form):
    """The form class of every FilterSet: the filter bar above a list."""
