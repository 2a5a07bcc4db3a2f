"""The bridge to the engine: the org-unit directory from ``OrgUnit`` rows, and each stored
plan rebuilt as the engine's :class:`~kechuang.engine.plans.Plan` from the YAML text kept
with it (so evaluation reads the plan exactly as it was loaded)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from django.db.models import Count, Max

from kechuang.apps.accounts.models import OrgUnit
from kechuang.engine import plans as engine

from .computations import KNOWN

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


def unit_directory() -> engine.UnitDirectory:
    """Every org unit as the engine's directory: KnownUnit(code, name, parent code, kind, aliases)."""
    rows = OrgUnit.objects.select_related("parent").only("code", "name", "kind", "aliases", "parent__code")
    return engine.UnitDirectory(engine.KnownUnit(u.code, u.name, u.parent.code if u.parent_id else None, u.kind,
                                                 tuple(u.aliases or ())) for u in rows)


def _units_stamp() -> tuple:
    stamp = OrgUnit.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    return stamp["n"], stamp["last"]


def cached_unit_directory() -> engine.UnitDirectory:
    key = ("units", *_units_stamp())
    with _lock:
        if key not in _cache:
            _cache[key] = unit_directory()
        return _cache[key]  # type: ignore[return-value]


def engine_plan(plan) -> engine.Plan:
    """The engine's plan of a stored :class:`~kechuang.apps.plans.models.Plan`."""
    key = ("plan", plan.pk, plan.sha256, plan.load_id, *_units_stamp())
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found  # type: ignore[return-value]
    load = plan.load
    with tempfile.TemporaryDirectory() as folder:
        catalogue = None
        if load.catalogue_text:
            path = Path(folder) / engine.CATALOGUE_FILE
            path.write_text(load.catalogue_text, encoding="utf-8")
            catalogue, _issues = engine.load_catalogue(path, computations=KNOWN)
        path = Path(folder) / plan.file_name
        path.write_text(plan.yaml_text, encoding="utf-8")
        built, _issues = engine.load_plan_file(path, units=cached_unit_directory(), catalogue=catalogue,
                                               computations=KNOWN)
    if built is None:  # pragma: no cover - the text was valid when it was loaded
        raise ValueError(f"plan {plan.code} cannot be rebuilt")
    with _lock:
        _cache[key] = built
    return built
