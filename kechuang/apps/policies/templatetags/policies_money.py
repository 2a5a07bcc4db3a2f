"""``{{ amount|wan }}``: yuan (Decimal) shown in 万元 with thousands separators, exact."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


def wan_text(value) -> str:
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)) / Decimal(10000)
    text = f"{amount:,.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


@register.filter
def wan(value) -> str:
    return wan_text(value)
