"""Stored assessments: the pieces the action, the task and the pages share.

* :func:`criteria_for` — the ladder criteria a run over a unit uses: the bureau's own
  (``LadderSetting`` of the nearest unit at or above it) or the platform defaults;
* :func:`rule_version` — a fingerprint of the engine's rule code and texts plus the
  options of a run: ``r1-`` and 16 hex digits of a SHA-256. Two runs with the same
  version applied the same rules with the same readings and criteria;
* :data:`STAGE_LABELS`, :data:`THREE_ZEROS_LABELS` — the Chinese names shown on pages.

The rules themselves are the engine's (``kechuang.engine.assess``, docs/assessments.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from kechuang.engine.assess import STAGES, AssessOptions, CandidateCriteria, LadderCriteria

# The ladder stages (docs/assessments.md, "Ladder stage"), lowest to highest.
STAGE_LABELS = {
    "none": _("Not on the ladder"),
    "tsme": _("Tech-based SME"),
    "hte": _("High-tech enterprise"),
    "gazelle": _("Gazelle enterprise"),
    "leading": _("Leading enterprise"),
    "listed": _("Listed enterprise"),
}
assert tuple(STAGE_LABELS) == STAGES

THREE_ZEROS_LABELS = {
    "no_rd_expense": _("No R&D expense"),
    "no_rd_institution": _("No R&D institution"),
    "no_invention_ip": _("No invention patent (class I IP)"),
}

LADDER_FIELDS = [f.name for f in dataclasses.fields(LadderCriteria)]

# The engine modules whose code or texts decide a result (hashed into the rule version).
_RULE_MODULES = ("_arith.py", "_check.py", "hte.py", "tsme.py", "ladder.py", "pool.py", "panel.py", "run.py",
                 "options.py", "texts.py")
_RULE_VERSION_PREFIX = "r1-"


def criteria_for(unit):
    """``(LadderCriteria, source label, LadderSetting or None)`` for a run over ``unit``:
    the setting of the unit itself or of the nearest unit above it, else the platform's
    defaults (labelled as such: no national rule defines gazelle or leading enterprises)."""
    from .models import LadderSetting

    chain = [*unit.ancestors(), unit]
    settings = {s.org_unit_id: s for s in LadderSetting.objects.filter(org_unit__in=chain).select_related("org_unit")}
    for candidate in reversed(chain):
        setting = settings.get(candidate.pk)
        if setting is not None:
            criteria = LadderCriteria(**{name: getattr(setting, name) for name in LADDER_FIELDS})
            return criteria, str(_("Set by %(unit)s") % {"unit": setting.org_unit.name}), setting
    return LadderCriteria(), str(_("Platform default")), None


def options_to_json(options: AssessOptions) -> dict:
    return dataclasses.asdict(options)


def options_from_json(data: dict) -> AssessOptions:
    data = dict(data)
    ladder = LadderCriteria(**data.pop("ladder", {}))
    candidates = CandidateCriteria(**data.pop("candidates", {}))
    return AssessOptions(**data, ladder=ladder, candidates=candidates)


def _engine_digest() -> bytes:
    import kechuang.engine.assess as package

    folder = Path(package.__file__).parent
    digest = hashlib.sha256()
    for name in _RULE_MODULES:
        digest.update(name.encode())
        digest.update((folder / name).read_bytes())
    return digest.digest()


def rule_version(options: AssessOptions) -> str:
    """``r1-`` + 16 hex digits of SHA-256 over the engine's rule modules (code and Chinese
    texts, :data:`_RULE_MODULES`) and the options as canonical JSON."""
    digest = hashlib.sha256(_engine_digest())
    digest.update(json.dumps(options_to_json(options), sort_keys=True).encode())
    return _RULE_VERSION_PREFIX + digest.hexdigest()[:16]
