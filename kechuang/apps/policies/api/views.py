"""API of the policies module: /api/policies/…, the same checks as the pages.

- ``policies/``: the live policies (parameters with their dated values, benefits);
- ``entities/{id}/benefits/?year=Y``: an entity's benefits with the explanation, and those
  it nearly qualifies for (an entity the caller cannot see answers 404);
- ``evaluate/``: POST ``{"year": Y, "rows": [exchange-table rows], "overrides": {…},
  "policies": [codes]}`` → per entity and benefit the amount in yuan (decimal strings) and
  the totals; nothing is stored. A body that is not JSON answers 400.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kechuang.apps.entities.models import Entity
from kechuang.engine.exchange import ExchangeRejected, exchange_from_rows
from kechuang.engine.rules import RuleError, evaluate

from .. import evaluation, live
from ..access import VIEW, access_entity
from ..facts import policy_facts, registry_facts
from ..views import default_year, lang


class ReadableParseErrors:
    def handle_exception(self, exc):
        if isinstance(exc, exceptions.ParseError):
            exc = exceptions.ParseError(_("The request body cannot be read: it is not valid JSON."))
        return super().handle_exception(exc)


class PolicyListView(APIView):
    required_capability = VIEW

    @extend_schema(responses={200: dict}, summary="The live policies")
    def get(self, request):
        pset = live.live_policies()
        out = []
        for pol in pset:
            data = pol.to_json()
            data["sha256"] = live.policy_sha256(pol.code)
            out.append(data)
        return Response({"count": len(out), "results": out})


def _benefit_json(item: dict) -> dict:
    return {"policy": item["policy"], "benefit": item["benefit"], "label": item["label"], "kind": item["kind"],
            "status": item["status"], "amount_yuan": None if item["amount"] is None else str(item["amount"]),
            "floor": item["floor"], "clause": item["clause"], "steps": [s[0] for s in item["steps"]],
            **({"missing": item["missing"]} if "missing" in item else {})}


class EntityBenefitsView(APIView):
    required_capability = VIEW

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: dict},
                   summary="An entity's benefits and near misses")
    def get(self, request, pk):
        entity = access_entity(request.user, pk)
        one = Entity.objects.filter(pk=entity.pk)
        try:
            year = int(request.query_params.get("year") or default_year(one))
        except ValueError:
            raise serializers.ValidationError({"year": [_("Give the year as a number.")]}) from None
        facts = registry_facts(one, year)
        result = evaluation.entity_benefits(live.live_policies(), facts, entity.uscc, year,
                                            evaluation.decision_state(year, one), lang())
        return Response({"entity": entity.pk, "uscc": entity.uscc, "year": year, "has_facts": result.has_facts,
                         "total_yuan": str(result.total), "benefits": [_benefit_json(b) for b in result.awarded],
                         "nearly": [_benefit_json(b) for b in result.nearly]})


class EvaluateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    rows = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=100_000)
    overrides = serializers.DictField(required=False, default=dict)
    policies = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class EvaluateView(ReadableParseErrors, APIView):
    required_capability = VIEW
    parser_classes = [JSONParser]

    @extend_schema(request=EvaluateSerializer, responses={200: dict}, summary="Evaluate rows of the exchange table")
    def post(self, request):
        serializer = EvaluateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pset = live.live_policies()
        if data["policies"]:
            unknown = [c for c in data["policies"] if c not in pset.policies]
            if unknown:
                raise serializers.ValidationError({"policies": [_("No such policy: %(code)s") % {"code": c}
                                                                for c in unknown]})
            pset = pset.select(data["policies"])
        try:
            table = exchange_from_rows(data["rows"], source="request")
        except ExchangeRejected as rejected:
            raise serializers.ValidationError({"rows": [
                f"{e.row or ''}:{e.column}: {e.message if lang() == 'zh' else e.message_en}"
                for e in rejected.errors[:50]]}) from None
        facts = policy_facts(table, data["year"])
        try:
            ev = evaluate(pset, facts, data["year"], overrides=data["overrides"] or None)
        except RuleError as exc:
            raise serializers.ValidationError({"overrides": [p.message(lang()) for p in exc.problems]}) from None
        return Response(evaluation_json(ev))


def evaluation_json(ev) -> dict:
    """Per entity and benefit the amount in yuan (decimal strings; null = cannot be decided), plus totals."""
    from kechuang.engine.rules.money import yuan_str

    out = ev.to_json()
    benefits = [c for c in ev.frame.columns if c not in (ev.key, "total")]
    out["entities"] = [{"uscc": r[ev.key], "total_yuan": yuan_str(r["total"]),
                        "benefits": {q: yuan_str(r[q]) for q in benefits}} for r in ev.frame.iter_rows(named=True)]
    return out
