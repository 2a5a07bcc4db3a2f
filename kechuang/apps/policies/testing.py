"""Sample objects of the policies module for ``tests/test_permission_matrix.py``."""

from __future__ import annotations


def sample_kwargs(route: str, people, persona: str) -> dict:
    kwargs: dict = {}
    if "<slug:code>" in route:
        kwargs["code"] = "hohhot_kjqs_2024"
    if "<int:pk>" in route:  # an entity inside the persona's units (the enterprise's own)
        kwargs["pk"] = people.entities["hohhot" if persona == "officer_hohhot" else "wuhai"].pk
    return kwargs
