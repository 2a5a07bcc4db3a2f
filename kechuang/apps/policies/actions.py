"""Every write of the policies module, one transaction each, audited.

* ``do_create_parameter_version`` — an officer's new dated value of a parameter;
* ``do_confirm_decisions`` — the bureau confirms no-application benefits (免申即享):
  one immutable :class:`BenefitDecision` per entity, benefit and year. There is no update
  and no delete: a second confirmation of the same entity/benefit/year is refused.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kechuang.apps.audit import record, snapshot
from kechuang.engine.rules import RuleError

from . import live
from .models import BenefitDecision, ParameterVersion

VERSION_FIELDS = ["policy_code", "parameter", "value", "valid_from", "reason", "baseline_sha256"]


def rule_message(exc: RuleError) -> str:
    """The engine's message in the page's language."""
    from django.utils.translation import get_language

    lang = "zh" if (get_language() or "zh").startswith("zh") else "en"
    return "; ".join(p.message(lang) for p in exc.problems)


def _require(user, capability: str) -> None:
    if user is not None and not user.is_superuser and not user.has_capability(capability):
        raise ValidationError(_("You may not do this."))


def do_create_parameter_version(*, policy_code: str, parameter: str, value: str, valid_from: dt.date,
                                reason: str = "", acting_user) -> ParameterVersion:
    """Add a dated value to a parameter; checked by the engine (type, name) before it is stored."""
    _require(acting_user, "policies.manage_policy")
    pset = live.live_policies()
    if policy_code not in pset.policies:
        raise ValidationError({"policy_code": _("No such policy: %(code)s") % {"code": policy_code}})
    pol = pset[policy_code]
    if parameter not in pol.parameters:
        raise ValidationError({"parameter": _("No such parameter: %(name)s") % {"name": parameter}})
    value = (value or "").strip()
    if not value:
        raise ValidationError({"value": _("Give a value.")})
    try:
        from kechuang.engine.rules.engine import resolve_overrides

        resolve_overrides(pset, {f"{policy_code}.{parameter}": value})
    except RuleError as exc:
        raise ValidationError({"value": rule_message(exc)}) from None
    with transaction.atomic():
        version = ParameterVersion.objects.create(
            policy_code=policy_code, parameter=parameter, value=value, valid_from=valid_from, reason=reason,
            baseline_sha256=live.baseline_sha256(policy_code),
            created_by=acting_user if getattr(acting_user, "pk", None) else None)
        before = live.parameter_values(pset, policy_code, valid_from.year)
        record("policies.parameterversion.create", version, actor=acting_user,
               before={"value": before.get(parameter)}, after=snapshot(version, VERSION_FIELDS),
               object_type="policies.parameterversion", object_id=str(version.pk),
               object_repr=str(version), unit=_unit_of(acting_user))
    live.clear_cache()
    return version


def _unit_of(user):
    if user is None or not getattr(user, "pk", None):
        return None
    assignment = user.primary_assignment() if hasattr(user, "primary_assignment") else None
    return assignment.org_unit if assignment else None


def do_confirm_decisions(*, year: int, policy_code: str, items: list[dict], acting_user) -> list[BenefitDecision]:
    """Confirm computed benefits: ``items`` are dicts with ``entity`` (an Entity), ``benefit``, ``fen``,
    ``started_year``, ``facts`` (JSON-ready), ``explanation``. All or nothing; refuses a repeat."""
    _require(acting_user, "policies.manage_policy")
    if not items:
        raise ValidationError(_("Nothing to confirm."))
    pset = live.live_policies()
    sha = live.policy_sha256(policy_code)
    params = live.parameter_values(pset, policy_code, year)
    existing = set(BenefitDecision.objects.filter(
        year=year, entity__in=[i["entity"] for i in items], benefit__in={i["benefit"] for i in items}
    ).values_list("entity_id", "benefit"))
    repeats = [i for i in items if (i["entity"].pk, i["benefit"]) in existing]
    if repeats:
        names = "、".join(sorted({str(i["entity"]) for i in repeats})[:10])
        raise ValidationError(_("Already confirmed for %(year)s: %(names)s. A confirmed decision cannot be changed.")
                              % {"year": year, "names": names})
    from .evaluation import yuan

    decisions = []
    try:
        with transaction.atomic():
            for i in items:
                b = pset.benefit(i["benefit"])
                if b.policy != policy_code or b.kind != "grant":
                    raise ValidationError(_("%(benefit)s is not a grant of this policy.") % {"benefit": i["benefit"]})
                funding = _funding(pset, b, i["fen"])
                decisions.append(BenefitDecision.objects.create(
                    entity=i["entity"], policy_code=policy_code, benefit=i["benefit"], benefit_label=b.label,
                    year=year, started_year=i.get("started_year"), amount=yuan(i["fen"]), funding=funding,
                    policy_sha256=sha, parameters=params, facts=json.loads(json.dumps(i.get("facts") or {}, default=str)),
                    explanation=i.get("explanation", ""),
                    confirmed_by=acting_user if getattr(acting_user, "pk", None) else None))
            total = sum((d.amount for d in decisions), start=yuan(0))
            record("policies.benefitdecision.confirm", None, actor=acting_user,
                   after={"year": year, "policy": policy_code, "policy_sha256": sha, "count": len(decisions),
                          "total_yuan": str(total), "decisions": [d.pk for d in decisions]},
                   object_type="policies.benefitdecision", object_repr=f"{policy_code} {year}",
                   row_count=len(decisions), unit=_unit_of(acting_user))
    except IntegrityError:
        raise ValidationError(_("Already confirmed: a confirmed decision cannot be changed.")) from None
    return decisions


def _funding(pset, b, fen: int) -> dict[str, str]:
    import numpy as np

    from kechuang.engine.rules.engine import funding_split

    from .evaluation import yuan

    if not b.funding:
        return {pset[b.policy].level: str(yuan(fen))}
    return {k: str(yuan(int(v[0]))) for k, v in funding_split(np.array([fen], dtype=np.int64), b.funding).items()}
