"""Task functions by name. An app registers its own in a ``tasks.py`` module:

    @task("accounts.import_org_units")
    def import_org_units(run: TaskRun) -> dict: ...
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.apps import apps

_registry: dict[str, Callable] = {}


def task(name: str):
    def decorator(function: Callable) -> Callable:
        _registry[name] = function
        return function

    return decorator


def get(name: str) -> Callable:
    try:
        return _registry[name]
    except KeyError:
        raise KeyError(f"no task is registered as {name!r}") from None


def autodiscover() -> None:
    for config in apps.get_app_configs():
        if config.name.startswith("kechuang."):
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
