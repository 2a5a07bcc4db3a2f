"""Pages of the policies module (see ``urls.py`` for the list).

Reads go through ``access.*`` / ``visible_to``; writes only through ``actions.do_*``.
The engine runs synchronously (see ``facts.py`` for why).
"""

from __future__ import annotations

import datetime
import io
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.views import ActionFormView, Column, ObjectListView, PageMixin
from kechuang.apps.entities.models import Entity, EntityFact
from kechuang.engine.rules import RuleError, explain

from . import actions, evaluation, live
from .access import MANAGE, VIEW, access_entity, access_policy, visible_entities
from .facts import registry_facts
from .filtersets import DecisionFilterSet
from .forms import ParameterVersionForm
from .models import BenefitDecision, ParameterVersion
from .templatetags.policies_money import wan_text

LEVEL_LABELS = {"national": gettext_lazy("National"), "region": gettext_lazy("Region"),
                "city": gettext_lazy("City"), "county": gettext_lazy("County")}


def lang() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


def default_year(entities) -> int:
    latest = EntityFact.objects.filter(entity__in=entities).aggregate(m=Max("year"))["m"]
    return int(latest) if latest else timezone.localdate().year


def requested_year(request, entities) -> int:
    try:
        year = int(request.GET.get("year", ""))
        if 2000 <= year <= 2100:
            return year
    except ValueError:
        pass
    return default_year(entities)


def unit_names(codes) -> dict[str, str]:
    return dict(OrgUnit.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


def json_facts(facts, uscc: str) -> dict:
    import polars as pl

    row = facts.filter(pl.col("uscc") == uscc)
    if row.height == 0:
        return {}
    out = {}
    for k, v in row.row(0, named=True).items():
        if v is None:
            continue
        out[k] = v.isoformat() if isinstance(v, datetime.date) else v
    return out


class PolicyListView(PageMixin, TemplateView):
    required_capability = VIEW
    template_name = "policies/policy_list.html"
    title = gettext_lazy("Policies and benefits")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pset = live.live_policies()
        today = timezone.localdate()
        versions = {}
        for v in ParameterVersion.objects.all():
            versions[v.policy_code] = versions.get(v.policy_code, 0) + 1
        context["policies"] = [{"policy": p, "in_force": p.in_force(today), "benefits": len(p.benefits),
                                "level": LEVEL_LABELS.get(p.level, p.level), "versions": versions.get(p.code, 0),
                                "territory": evaluation.territory(p.code)} for p in pset]
        context["can_manage"] = self.request.user.has_capability(MANAGE)
        return context


class PolicyDetailView(PageMixin, TemplateView):
    required_capability = VIEW
    template_name = "policies/policy_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.pset = live.live_policies()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self.policy = access_policy(self.pset, kwargs["code"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return self.policy.title

    def get_breadcrumbs(self):
        return [(_("Policies and benefits"), reverse("policies:policy_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.policy
        context["policy"] = p
        context["parameters"] = [{"p": x, "values": x.values} for x in p.parameters.values()]
        context["benefits"] = list(p.benefits.values())
        context["versions"] = ParameterVersion.objects.filter(policy_code=p.code).select_related("created_by")
        context["sha256"] = live.policy_sha256(p.code)
        context["can_manage"] = self.request.user.has_capability(MANAGE)
        return context


class PolicyExportView(PageMixin, View):
    """The live version of a policy as a YAML policy file (the baseline plus the versions)."""

    required_capability = VIEW

    def get(self, request, code):
        access_policy(live.live_policies(), code)
        text = live.export_yaml(code)
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{code}.yaml"'
        return response


class VersionCreateView(ActionFormView):
    required_capability = MANAGE
    title = gettext_lazy("New parameter version")
    form_class = ParameterVersionForm
    submit_label = gettext_lazy("Save the new version")
    success_message = gettext_lazy("The new parameter version is live.")

    def dispatch(self, request, *args, **kwargs):
        self.policy = access_policy(live.live_policies(), kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["policy"] = self.policy
        initial = dict(kwargs.get("initial") or {})
        for key in ("parameter", "value"):
            if key in self.request.GET:
                initial[key] = self.request.GET[key]
        kwargs["initial"] = initial
        return kwargs

    def get_breadcrumbs(self):
        return [(_("Policies and benefits"), reverse("policies:policy_list")),
                (self.policy.title, reverse("policies:policy_detail", args=[self.policy.code])),
                (self.get_title(), None)]

    def perform(self, form) -> str:
        actions.do_create_parameter_version(policy_code=self.policy.code, acting_user=self.request.user,
                                            **form.cleaned_data)
        return reverse("policies:policy_detail", args=[self.policy.code])


class EntityBenefitsView(PageMixin, TemplateView):
    """One entity's benefits of the year with the explanation, and those it nearly qualifies for."""

    required_capability = VIEW
    template_name = "policies/entity_benefits.html"

    def get(self, request, *args, **kwargs):
        self.entity = access_entity(request.user, kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Benefits of %(name)s") % {"name": self.entity.name}

    def get_breadcrumbs(self):
        return [(self.entity.name, self.entity.get_absolute_url()), (_("Benefits"), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        one = Entity.objects.filter(pk=self.entity.pk)
        year = requested_year(self.request, one)
        pset = live.live_policies()
        facts = registry_facts(one, year)
        state = evaluation.decision_state(year, one)
        context.update(entity=self.entity, year=year, result=evaluation.entity_benefits(
            pset, facts, self.entity.uscc, year, state, lang()),
            years=sorted(set(EntityFact.objects.filter(entity=self.entity).values_list("year", flat=True))),
            decisions=BenefitDecision.objects.filter(entity=self.entity).order_by("-year", "benefit"))
        return context


def _scoped_result(user, year, code=None, overrides=None):
    entities = visible_entities(user, MANAGE)
    facts = registry_facts(entities, year)
    pset = live.live_policies()
    state = evaluation.decision_state(year, entities)
    result = evaluation.evaluate_scoped(pset, facts, year, overrides=overrides, state=state,
                                        codes=[code] if code else None)
    return entities, facts, result


class NoApplicationView(PageMixin, TemplateView):
    """免申即享: the entities a policy's grants go to this year; the bureau confirms; Excel for payment."""

    required_capability = MANAGE
    template_name = "policies/no_application.html"

    def dispatch(self, request, *args, **kwargs):
        self.pset = live.live_policies()
        self.policy = access_policy(self.pset, kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("No-application benefits: %(title)s") % {"title": self.policy.title}

    def get_breadcrumbs(self):
        return [(_("Policies and benefits"), reverse("policies:policy_list")),
                (self.policy.title, reverse("policies:policy_detail", args=[self.policy.code])),
                (_("No-application benefits"), None)]

    def compute(self, year):
        entities, facts, result = _scoped_result(self.request.user, year, self.policy.code)
        rows = evaluation.qualifying(result, self.policy.code)
        by_uscc = {e.uscc: e for e in entities.filter(uscc__in={r["uscc"] for r in rows}).select_related("org_unit")}
        confirmed = set(BenefitDecision.objects.filter(year=year, policy_code=self.policy.code).values_list(
            "entity__uscc", "benefit"))
        out = []
        for r in rows:
            entity = by_uscc.get(r["uscc"])
            if entity is None:
                continue
            out.append({**r, "entity": entity, "amount": evaluation.yuan(r["fen"]),
                        "label": self.pset.benefit(r["benefit"]).label,
                        "confirmed": (r["uscc"], r["benefit"]) in confirmed})
        out.sort(key=lambda r: (r["entity"].org_unit.code, r["entity"].name, r["benefit"]))
        return facts, out

    def get(self, request, *args, **kwargs):
        self.year = requested_year(request, visible_entities(request.user, MANAGE))
        self.facts, self.rows = self.compute(self.year)
        if request.GET.get("export") == "xlsx":
            return self.export_xlsx()
        return super().get(request, *args, **kwargs)

    def export_xlsx(self):
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(str(self.year))
        sheet.append([_("Credit code"), _("Entity"), _("Division"), _("Benefit"), _("Amount (yuan)"),
                      _("Amount (10,000 yuan)"), _("Confirmed")])
        for r in self.rows:
            e = r["entity"]
            amount = r["amount"]
            sheet.append([e.uscc, e.name, e.org_unit.name, r["label"], float(amount) if amount % 1 else int(amount),
                          wan_text(amount), _("Yes") if r["confirmed"] else _("No")])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{self.policy.code}-{self.year}.xlsx"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        total = sum((r["amount"] for r in self.rows), evaluation.yuan(0))
        pending = sum((r["amount"] for r in self.rows if not r["confirmed"]), evaluation.yuan(0))
        context.update(policy=self.policy, year=self.year, rows=self.rows, total=total, pending=pending,
                       n_pending=sum(1 for r in self.rows if not r["confirmed"]),
                       in_force=self.policy.in_force(datetime.date(self.year, 1, 1)))
        return context

    def post(self, request, *args, **kwargs):
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = requested_year(request, visible_entities(request.user, MANAGE))
        facts, rows = self.compute(year)
        chosen = set(request.POST.getlist("item"))
        rows = [r for r in rows if not r["confirmed"] and (not chosen or f'{r["uscc"]}|{r["benefit"]}' in chosen)]
        url = reverse("policies:no_application", args=[self.policy.code]) + f"?year={year}"
        if request.POST.get("all") != "1" and not chosen:
            messages.error(request, _("Choose the entities to confirm."))
            return HttpResponseRedirect(url)
        state = evaluation.decision_state(year)
        explanations = {}
        items = []
        for r in rows:
            uscc = r["uscc"]
            if uscc not in explanations:
                import polars as pl

                st = {b: y for u, b, y in state.filter(pl.col("uscc") == uscc).iter_rows()
                      if b.startswith(self.policy.code + ".")}
                explanations[uscc] = explain(self.pset, self.policy.code, facts.filter(pl.col("uscc") == uscc),
                                             year, state=st or None).text("zh")
            items.append({"entity": r["entity"], "benefit": r["benefit"], "fen": r["fen"],
                          "started_year": r["started_year"], "facts": json_facts(facts, uscc),
                          "explanation": explanations[uscc]})
        try:
            decisions = actions.do_confirm_decisions(year=year, policy_code=self.policy.code, items=items,
                                                     acting_user=request.user)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
            return HttpResponseRedirect(url)
        messages.success(request, _("%(count)s decision(s) confirmed.") % {"count": len(decisions)})
        return HttpResponseRedirect(url)


class DecisionListView(ObjectListView):
    """Confirmed decisions: the payment list (Excel export), scoped like the entities."""

    required_capability = VIEW
    model = BenefitDecision
    filterset_class = DecisionFilterSet
    title = gettext_lazy("Confirmed benefit decisions")
    export_name = "benefit-decisions"
    default_sort = "-year"
    columns = [
        Column("year", gettext_lazy("Year"), sort="year"),
        Column("policy_code", gettext_lazy("Policy"), sort="policy_code"),
        Column("benefit_label", gettext_lazy("Benefit"), sort="benefit"),
        Column("entity.name", gettext_lazy("Entity"), sort="entity__name"),
        Column("entity.uscc", gettext_lazy("Credit code")),
        Column("entity.org_unit.name", gettext_lazy("Division")),
        Column("amount", gettext_lazy("Amount paid (yuan)"), sort="amount"),
        Column("confirmed_at", gettext_lazy("Confirmed at"), sort="confirmed_at"),
        Column("policy_sha256", gettext_lazy("Policy version (SHA-256)")),
    ]

    def base_queryset(self):
        return BenefitDecision.objects.visible_to(self.request.user).select_related("entity__org_unit")


def _budget_tables(pset, results, names):
    """Rows for the budget page: per policy, per level, per county; one column per year."""
    years = [r.year for r in results]
    policies = sorted({c for r in results for c in r.by_policy()})
    levels = [lv for lv in evaluation.LEVELS if any(lv in r.by_level() for r in results)]
    counties = sorted({c for r in results for c in r.by_county()})

    def row(label, values):
        return {"label": label, "values": [evaluation.yuan(v) for v in values],
                "total": evaluation.yuan(sum(values))}

    return {
        "years": years,
        "total": row(_("Total"), [r.total_fen for r in results]),
        "policies": [row(pset[c].title, [r.by_policy().get(c, 0) for r in results]) for c in policies],
        "levels": [row(str(LEVEL_LABELS.get(lv, lv)), [r.by_level().get(lv, 0) for r in results]) for lv in levels],
        "counties": [row(names.get(c, c or "—"), [r.by_county().get(c, 0) for r in results]) for c in counties],
    }


def _requested_years(request) -> int:
    try:
        return max(1, min(5, int(request.GET.get("years", "3"))))
    except ValueError:
        return 3


class BudgetInputsMixin:
    """What the budget and what-if pages both start from: the entities of the user's
    units, the year, the horizon, the live policies, and county names for the results."""

    def budget_inputs(self):
        entities = visible_entities(self.request.user, MANAGE)
        year = requested_year(self.request, entities)
        return entities, year, _requested_years(self.request), live.live_policies()

    @staticmethod
    def county_names(facts) -> dict:
        return unit_names(facts["division_code"].to_list() if "division_code" in facts.columns else [])


class BudgetView(BudgetInputsMixin, PageMixin, TemplateView):
    """The cost of the grants for the coming years (multi-year benefits included)."""

    required_capability = MANAGE
    template_name = "policies/budget.html"
    title = gettext_lazy("Policy budget")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entities, year, n_years, pset = self.budget_inputs()
        facts = registry_facts(entities, year)
        results = evaluation.budget(pset, facts, year, n_years, state=evaluation.decision_state(year, entities))
        names = self.county_names(facts)
        context.update(year=year, n_years=n_years, tables=_budget_tables(pset, results, names),
                       n_entities=facts.height)
        return context


class WhatIfView(BudgetInputsMixin, PageMixin, TemplateView):
    """Change parameters in the page and see the budget, the gainers and the losers by county — nothing is stored."""

    required_capability = MANAGE
    template_name = "policies/whatif.html"
    title = gettext_lazy("What-if")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entities, year, n_years, pset = self.budget_inputs()
        codes = list(pset.policies)
        code = self.request.GET.get("policy") if self.request.GET.get("policy") in codes else (
            "hohhot_kjqs_2024" if "hohhot_kjqs_2024" in codes else codes[0])
        policy = pset[code]
        current = live.parameter_values(pset, code, year)
        params, overrides = [], {}
        for p in policy.parameters.values():
            given = (self.request.GET.get(f"p.{p.name}") or "").strip()
            value = given or (current.get(p.name) or "")
            if given and given != (current.get(p.name) or ""):
                overrides[f"{code}.{p.name}"] = given
            params.append({"name": p.name, "label": p.label, "type": p.type, "current": current.get(p.name),
                           "value": value, "changed": bool(given) and given != (current.get(p.name) or "")})
        context.update(year=year, n_years=n_years, policies=list(pset), policy=policy, params=params,
                       overrides=overrides)
        if not overrides:
            return context
        facts = registry_facts(entities, year)
        state = evaluation.decision_state(year, entities)
        try:
            base = evaluation.budget(pset, facts, year, n_years, state=state)
            reform = evaluation.budget(pset, facts, year, n_years, overrides=overrides, state=state)
        except RuleError as exc:
            context["error"] = actions.rule_message(exc)
            return context
        names = self.county_names(facts)
        counties = evaluation.compare_by_county(base[0], reform[0])
        for c in counties:
            c["name"] = names.get(c["division_code"], c["division_code"] or "—")
        years = [{"year": b.year, "baseline": evaluation.yuan(b.total_fen), "reform": evaluation.yuan(r.total_fen),
                  "delta": evaluation.yuan(r.total_fen - b.total_fen)} for b, r in zip(base, reform, strict=True)]
        import polars as pl

        diff = base[0].frame.select("uscc", pl.col("total").alias("b")).join(
            reform[0].frame.select("uscc", pl.col("total").alias("r")), on="uscc").with_columns(
            (pl.col("r") - pl.col("b")).alias("d"))
        gain = diff.filter(pl.col("d") > 0).sort("d", descending=True).head(10)
        lose = diff.filter(pl.col("d") < 0).sort("d").head(10)
        ent = {e.uscc: e for e in entities.filter(uscc__in=gain["uscc"].to_list() + lose["uscc"].to_list())}

        def people(df):
            return [{"entity": ent.get(u), "uscc": u, "baseline": evaluation.yuan(b), "reform": evaluation.yuan(r),
                     "delta": evaluation.yuan(d)} for u, b, r, d in df.iter_rows()]

        chart = {"counties": [c["name"] for c in counties],
                 "baseline": [float(c["baseline"]) / 10000 for c in counties],
                 "reform": [float(c["reform"]) / 10000 for c in counties],
                 "labels": {"baseline": _("Live version"), "reform": _("What-if"), "unit": _("10,000 yuan")}}
        context.update(counties=counties, years=years, gainers=people(gain), losers=people(lose),
                       n_gainers=int((diff["d"] > 0).sum()), n_losers=int((diff["d"] < 0).sum()),
                       chart=chart, chart_json=json.dumps(chart, ensure_ascii=False))
        return context
