"""The left menu. Each app registers its entries in its AppConfig.ready().

A module appears in the menu only for users holding the capability its entry names, and
only once it is registered, i.e. once it works.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuItem:
    section: str  # lazily translated section title
    label: str  # lazily translated label
    url_name: str
    icon: str  # a bootstrap-icons name
    capability: str | None = None  # None: every signed-in user
    order: int = 100
    description: str = ""  # shown on the home page card

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: list[MenuItem] = []
_home_blocks: list = []


def register_home_block(context_function) -> None:
    """A function ``(user) -> dict`` whose result the home page's template blocks read."""
    if context_function not in _home_blocks:
        _home_blocks.append(context_function)


def home_blocks() -> list:
    return list(_home_blocks)


def register(*items: MenuItem) -> None:
    for item in items:
        if all(existing.url_name != item.url_name for existing in _items):
            _items.append(item)


def items_for(user) -> list[MenuItem]:
    if not user.is_authenticated:
        return []
    allowed = [i for i in _items if i.capability is None or user.has_capability(i.capability)]
    return sorted(allowed, key=lambda i: (i.order, str(i.label)))


def sections_for(user) -> list[tuple[str, list[MenuItem]]]:
    sections: dict[str, list[MenuItem]] = {}
    for item in items_for(user):
        sections.setdefault(str(item.section), []).append(item)
    return list(sections.items())
