"""Field validators shared by the entity forms, the API and imports."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kechuang.engine.codes import is_valid_uscc


def validate_uscc(value: str) -> None:
    """GB 32100-2015: 18 characters, the last one a check character over the first 17."""
    if not is_valid_uscc(value or ""):
        raise ValidationError(
            _("“%(code)s” is not a valid unified social credit code (18 characters, check character per "
              "GB 32100-2015).") % {"code": value},
            code="invalid_uscc",
        )
