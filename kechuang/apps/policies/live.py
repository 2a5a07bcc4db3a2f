"""The live policy set: the shipped YAML baseline plus the officers' parameter versions.

* ``baseline_dir()`` — ``data/policies/`` of the installation (``settings.POLICIES_DIR``
  overrides it);
* ``live_policies()`` — the baseline with every :class:`ParameterVersion` added as a dated
  value, cached until a file or a version changes;
* ``export_yaml(code)`` — the live version of one policy as a policy file (the baseline's
  fields, the parameter values extended), loadable by ``load_policies``;
* ``policy_sha256(code)`` — the version a decision records: the SHA-256 of the file bytes
  when no version was added, else of the exported text.

A what-if passes its changes to the engine as overrides and never touches this module's
state.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import threading
from pathlib import Path

import yaml
from django.conf import settings

from kechuang.engine.rules import PolicySet, load_policies
from kechuang.engine.rules.engine import resolve_overrides
from kechuang.engine.rules.policy import ParamValue

_lock = threading.Lock()
_cache: dict[str, object] = {}


def baseline_dir() -> Path:
    configured = getattr(settings, "POLICIES_DIR", None)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "data" / "policies"


def _files_signature(root: Path) -> tuple:
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in root.glob("*.yaml")))


def baseline_policies() -> PolicySet:
    root = baseline_dir()
    sig = (str(root), _files_signature(root))
    with _lock:
        if _cache.get("baseline_sig") != sig:
            _cache["baseline"] = load_policies(root)
            _cache["baseline_sig"] = sig
            _cache.pop("live_sig", None)
        return _cache["baseline"]  # type: ignore[return-value]


def policy_file(code: str) -> Path:
    pol = baseline_policies()[code]
    return baseline_dir() / Path(pol.file).name


def baseline_sha256(code: str) -> str:
    return hashlib.sha256(policy_file(code).read_bytes()).hexdigest()


def _versions(code: str | None = None):
    from .models import ParameterVersion

    qs = ParameterVersion.objects.all()
    if code is not None:
        qs = qs.filter(policy_code=code)
    return list(qs.order_by("valid_from", "created_at", "pk"))


def apply_versions(pset: PolicySet, versions) -> PolicySet:
    """A copy of ``pset`` with each version added as a dated value (a same-day value is replaced)."""
    new = copy.copy(pset)
    new.policies = dict(pset.policies)
    for v in versions:
        if v.policy_code not in new.policies:
            continue  # a policy file removed since: its versions stay in the database
        pol = new.policies[v.policy_code]
        if v.parameter not in pol.parameters:
            continue
        if pol is pset.policies.get(v.policy_code):
            pol = copy.copy(pol)
            pol.parameters = dict(pol.parameters)
            new.policies[v.policy_code] = pol
        qname = f"{v.policy_code}.{v.parameter}"
        const = resolve_overrides(new, {qname: v.value})[qname]
        p = copy.copy(pol.parameters[v.parameter])
        values = [x for x in p.values if x.start != v.valid_from]
        values.append(ParamValue(v.valid_from, const, version_ref(v), v.value, 0))
        p.values = sorted(values, key=lambda x: x.start)
        pol.parameters[v.parameter] = p
    return new


def version_ref(v) -> str:
    return f"参数版本 #{v.pk}（{v.created_at:%Y-%m-%d}）" + (f"：{v.reason}" if v.reason else "")


def live_policies() -> PolicySet:
    base = baseline_policies()
    from .models import ParameterVersion

    sig = (_cache.get("baseline_sig"), ParameterVersion.objects.count(),
           ParameterVersion.objects.order_by("-pk").values_list("pk", flat=True).first())
    with _lock:
        if _cache.get("live_sig") == sig and "live" in _cache:
            return _cache["live"]  # type: ignore[return-value]
    live = apply_versions(base, _versions())
    with _lock:
        _cache["live"], _cache["live_sig"] = live, sig
    return live


def clear_cache() -> None:
    with _lock:
        _cache.clear()


_INT = re.compile(r"^-?\d+$")


def _yaml_value(text: str):
    """A parameter value for the file: whole numbers as numbers, everything else as written."""
    text = text.strip()
    if text.lower() in ("null", "none", ""):
        return None
    if _INT.match(text):
        return int(text)
    return text


def export_yaml(code: str, versions=None) -> str:
    """The live version of policy ``code`` as the text of a policy file."""
    versions = _versions(code) if versions is None else [v for v in versions if v.policy_code == code]
    source = policy_file(code).read_text(encoding="utf-8")
    if not versions:
        return source
    data = yaml.safe_load(source)
    params = data.get("parameters") or {}
    for v in versions:
        entry = params.get(v.parameter)
        if entry is None:
            continue
        if "values" not in entry:
            first = {"from": data.get("effective_from"), "value": entry.pop("value", None)}
            if "ref" in entry:
                first["ref"] = entry.pop("ref")
            entry["values"] = [first]
        values = [x for x in entry["values"] if _as_date(x.get("from")) != v.valid_from]
        values.append({"from": v.valid_from, "value": _yaml_value(v.value), "ref": version_ref(v)})
        entry["values"] = sorted(values, key=lambda x: _as_date(x.get("from")) or dt.date.min)
    header = (f"# {code}: the live version exported from the platform (baseline SHA-256 "
              f"{baseline_sha256(code)[:12]}…, {len(versions)} parameter version(s)).\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def policy_sha256(code: str) -> str:
    return hashlib.sha256(export_yaml(code).encode("utf-8")).hexdigest()


def parameter_values(pset: PolicySet, code: str, year: int) -> dict[str, str]:
    """The value in force on 1 January of ``year`` of every parameter of policy ``code`` (as written)."""
    day = dt.date(year, 1, 1)
    out = {}
    for p in pset[code].parameters.values():
        pv = p.at(day)
        out[p.name] = None if pv is None or pv.value is None or pv.value.value is None else pv.text
    return out
