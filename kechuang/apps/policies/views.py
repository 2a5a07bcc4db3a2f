"""Pages of the policies module (see ``urls.py`` for the list).

Reads go through ``access.*`` / ``visible_to``; writes only through ``actions.do_*``.
The no-application list is built by a background task (``tasks.py``); the other pages
evaluate in the request (see ``facts.py`` for the costs).
"""

from __future__ import annotations

import datetime
import io
import json
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.views import ActionFormView, Column, ObjectListView, PageMixin
from kechuang.apps.entities.models import Entity, EntityFact
from kechuang.apps.tasks.models import Task
from kechuang.apps.tasks.runner import enqueue
from kechuang.engine.rules import RuleError, explain

from . import actions, evaluation, live, tasks
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


def territory_text(policy, names: dict[str, str]) -> str:
    """Where the policy applies, by unit name ("Everywhere" when its file names no division)."""
    if not policy.territory:
        return str(_("Everywhere"))
    return "、".join(names.get(c, c) for c in policy.territory)


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
        names = unit_names({c for p in pset for c in p.territory})
        context["policies"] = [{"policy": p, "in_force": p.in_force(today), "benefits": len(p.benefits),
                                "level": LEVEL_LABELS.get(p.level, p.level), "versions": versions.get(p.code, 0),
                                "territory": territory_text(p, names)} for p in pset]
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
        context["territory"] = territory_text(p, unit_names(p.territory))
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


def formula_message(exc: RuleError) -> str:
    """The engine's message on a what-if formula, with the character where it went wrong."""
    out = []
    for p in exc.problems:
        msg = p.message(lang())
        if p.column:
            msg = _("at character %(column)s: %(message)s") % {"column": p.column, "message": msg}
        out.append(msg)
    return "; ".join(out)


class NoApplicationView(PageMixin, TemplateView):
    """免申即享: the entities a policy's grants go to in a year; the bureau confirms; Excel for payment.

    The list is built by a background task (``tasks.no_application``, city by city) started
    from this page; the page follows the task (``?run=<task id>``) and shows its list when it
    is done. Confirming re-evaluates only the chosen entities and refuses if an amount
    differs from the list (the facts changed since the run).
    """

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

    def page_url(self, year, run=None) -> str:
        url = reverse("policies:no_application", args=[self.policy.code]) + f"?year={year}"
        return url + (f"&run={run.pk}" if run is not None else "")

    def runs(self, year):
        """This policy's runs for ``year`` the user may see, newest first."""
        return Task.objects.visible_to(self.request.user).filter(
            name=tasks.NO_APPLICATION, params__policy=self.policy.code, params__year=year)

    def chosen_run(self, data, year):
        """The run named by ``run`` (or else the newest run of the year), ``None`` when there is none."""
        runs = self.runs(year)
        wanted = data.get("run")
        if wanted:
            try:
                return runs.get(pk=wanted)
            except (Task.DoesNotExist, ValidationError, ValueError):
                raise Http404 from None
        return runs.first()

    def rows_of(self, run, year) -> list[dict]:
        """The run's rows for the entities the user manages, with the entity and the confirmation."""
        if run is None or run.status != Task.Status.SUCCEEDED:
            return []
        rows = tasks.load_rows(run)
        entities = visible_entities(self.request.user, MANAGE)
        by_uscc = {e.uscc: e for e in entities.filter(uscc__in={r["uscc"] for r in rows}).select_related("org_unit")}
        confirmed = set(BenefitDecision.objects.filter(year=year, policy_code=self.policy.code).values_list(
            "entity__uscc", "benefit"))
        out = []
        for r in rows:
            entity = by_uscc.get(r["uscc"])
            if entity is None or r["benefit"] not in self.pset.order:
                continue
            out.append({**r, "entity": entity, "amount": evaluation.yuan(r["fen"]),
                        "label": self.pset.benefit(r["benefit"]).label,
                        "confirmed": (r["uscc"], r["benefit"]) in confirmed})
        out.sort(key=lambda r: (r["entity"].org_unit.code, r["entity"].name, r["benefit"]))
        return out

    def get(self, request, *args, **kwargs):
        self.year = requested_year(request, visible_entities(request.user, MANAGE))
        self.run = self.chosen_run(request.GET, self.year)
        self.rows = self.rows_of(self.run, self.year)
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
                       run=self.run, ready=self.run is not None and self.run.status == Task.Status.SUCCEEDED,
                       n_pending=sum(1 for r in self.rows if not r["confirmed"]),
                       in_force=self.policy.in_force(datetime.date(self.year, 1, 1)))
        return context

    def post(self, request, *args, **kwargs):
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = requested_year(request, visible_entities(request.user, MANAGE))
        if request.POST.get("action") == "run":
            run = enqueue(tasks.NO_APPLICATION, acting_user=request.user,
                          label=_("No-application list %(year)s: %(title)s") % {"year": year,
                                                                                "title": self.policy.title},
                          params={"policy": self.policy.code, "year": year})
            return HttpResponseRedirect(self.page_url(year, run))
        run = self.chosen_run(request.POST, year)
        url = self.page_url(year, run)
        chosen = set(request.POST.getlist("item"))
        if request.POST.get("all") != "1" and not chosen:
            messages.error(request, _("Choose the entities to confirm."))
            return HttpResponseRedirect(url)
        rows = [r for r in self.rows_of(run, year)
                if not r["confirmed"] and (not chosen or f'{r["uscc"]}|{r["benefit"]}' in chosen)]
        try:
            items = self.confirmation_items(rows, year)
            decisions = actions.do_confirm_decisions(year=year, policy_code=self.policy.code, items=items,
                                                     acting_user=request.user)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
            return HttpResponseRedirect(url)
        messages.success(request, _("%(count)s decision(s) confirmed.") % {"count": len(decisions)})
        return HttpResponseRedirect(url)

    def confirmation_items(self, rows, year) -> list[dict]:
        """Re-evaluate the chosen entities now; each item gets its facts and explanation.
        Refuses (ValidationError) if an amount is not the one on the list."""
        import polars as pl

        if not rows:
            return []
        entities = visible_entities(self.request.user, MANAGE).filter(uscc__in={r["uscc"] for r in rows})
        facts = registry_facts(entities, year)
        state = evaluation.decision_state(year, entities)
        result = evaluation.evaluate_scoped(self.pset, facts, year, state=state, codes=[self.policy.code])
        now = {(r["uscc"], r["benefit"]): r for r in evaluation.qualifying(result, self.policy.code)}
        changed = [r for r in rows if (now.get((r["uscc"], r["benefit"])) or {}).get("fen") != r["fen"]]
        if changed:
            names = "、".join(sorted({r["entity"].name for r in changed})[:10])
            raise ValidationError(_("The facts of %(names)s changed since the list was built; build the list "
                                    "again before confirming.") % {"names": names})
        explanations, items = {}, []
        for r in rows:
            uscc = r["uscc"]
            if uscc not in explanations:
                st = {b: y for u, b, y in state.filter(pl.col("uscc") == uscc).iter_rows()
                      if b.startswith(self.policy.code + ".")}
                explanations[uscc] = explain(self.pset, self.policy.code, facts.filter(pl.col("uscc") == uscc),
                                             year, state=st or None).text("zh")
            items.append({"entity": r["entity"], "benefit": r["benefit"], "fen": r["fen"],
                          "started_year": now[(uscc, r["benefit"])]["started_year"],
                          "facts": json_facts(facts, uscc), "explanation": explanations[uscc]})
        return items


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
        """Unit names of the division codes in ``facts`` and of their counties (first six digits)."""
        codes = [c for c in (facts["division_code"].to_list() if "division_code" in facts.columns else []) if c]
        return unit_names(set(codes) | {c[:6] for c in codes})


def _named_cross_table(results, names) -> dict:
    """The year × county × level table with county names and level labels for the page and Excel."""
    cross = evaluation.cross_table(results)
    cross["level_labels"] = [str(LEVEL_LABELS.get(lv, lv)) for lv in cross["levels"]]
    for r in cross["rows"]:
        r["name"] = names.get(r["county"], r["county"] or "—")
    return cross


def budget_xlsx(year: int, tables: dict, cross: dict) -> bytes:
    """The budget as a workbook: the year × county × funding level table, then the per-policy rows."""
    from openpyxl import Workbook

    from kechuang.apps.common.views import excel_value

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("By county and level")[:31])
    header = [_("County code"), _("County")]
    for y in cross["years"]:
        header += [f"{y} {label}" for label in cross["level_labels"]] + [_("%(year)s total") % {"year": y}]
    sheet.append([*header, _("Total")])

    def cells(r):
        out = []
        for y in r["years"]:
            out += [excel_value(v) for v in y["levels"]] + [excel_value(y["total"])]
        return [*out, excel_value(r["total"])]

    for r in cross["rows"]:
        sheet.append([r["county"], r["name"], *cells(r)])
    sheet.append(["", _("Total"), *cells(cross["total"])])
    policies = workbook.create_sheet(_("By policy")[:31])
    policies.append([_("Policy"), *tables["years"], _("Total")])
    for r in tables["policies"]:
        policies.append([r["label"], *[excel_value(v) for v in r["values"]], excel_value(r["total"])])
    policies.append([str(tables["total"]["label"]), *[excel_value(v) for v in tables["total"]["values"]],
                     excel_value(tables["total"]["total"])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class BudgetView(BudgetInputsMixin, PageMixin, TemplateView):
    """The cost of the grants for the coming years (multi-year benefits included): per policy,
    level and county, and the year × county × funding level table (also as Excel)."""

    required_capability = MANAGE
    template_name = "policies/budget.html"
    title = gettext_lazy("Policy budget")

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            context = self.budget_context()
            response = HttpResponse(budget_xlsx(context["year"], context["tables"], context["cross"]),
                                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = (f'attachment; filename="policy-budget-{context["year"]}-'
                                               f'{context["n_years"]}y.xlsx"')
            return response
        return super().get(request, *args, **kwargs)

    def budget_context(self) -> dict:
        entities, year, n_years, pset = self.budget_inputs()
        facts = registry_facts(entities, year)
        results = evaluation.budget(pset, facts, year, n_years, state=evaluation.decision_state(year, entities))
        names = self.county_names(facts)
        return {"year": year, "n_years": n_years, "tables": _budget_tables(pset, results, names),
                "cross": _named_cross_table(results, names), "n_entities": facts.height}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.budget_context())
        return context


class WhatIfView(BudgetInputsMixin, PageMixin, TemplateView):
    """Change parameters or formulas in the page and see the budget, the gainers and the losers
    by county — nothing is stored. A changed formula is parsed and type-checked by the engine
    (``engine.reformed_set``); a bad one is shown with the engine's message under its field."""

    required_capability = MANAGE
    template_name = "policies/whatif.html"
    title = gettext_lazy("What-if")

    def formula_reform(self, pset, policy):
        """The formulas edited in the form: ``({"policy.benefit.when|amount": text}, reformed set,
        rows for the form, {field name: message})``."""
        from kechuang.engine.rules.engine import reformed_set

        formulas, rows, errors = {}, [], {}
        # the formulas sent belong to the policy the form showed (not to one just chosen in the list)
        same_policy = self.request.GET.get("formulas_of", policy.code) == policy.code
        for b in policy.benefits.values():
            for what, current, label in (("when", b.when_text, _("Condition")), ("amount", b.amount_text, _("Amount"))):
                name = f"f.{b.code}.{what}"
                given = " ".join((self.request.GET.get(name) or "").split()) if same_policy else ""
                changed = bool(given) and given != " ".join(current.split())
                if changed:
                    target = f"{policy.code}.{b.code}.{what}"
                    try:
                        reformed_set(pset, {target: given})
                        formulas[target] = given
                    except RuleError as exc:
                        errors[name] = formula_message(exc)
                rows.append({"name": name, "benefit": b, "what": what, "label": label, "current": current,
                             "value": given or current, "changed": changed, "error": errors.get(name)})
        for n, li in enumerate(policy.limits, start=1):  # the caps of the combined limits, checked the same way
            if li.kind != "combined_cap":
                continue
            name = f"l.{n}.cap"
            given = " ".join((self.request.GET.get(name) or "").split()) if same_policy else ""
            changed = bool(given) and given != " ".join(li.cap_text.split())
            if changed:
                target = f"{policy.code}.limits.{n}.cap"
                try:
                    reformed_set(pset, {target: given})
                    formulas[target] = given
                except RuleError as exc:
                    errors[name] = formula_message(exc)
            group = SimpleNamespace(code=f"limits.{n}", label=li.label or _("Combined cap"),
                                    clause=" + ".join(q.split(".", 1)[1] if q.startswith(policy.code + ".") else q
                                                      for q in li.benefits))
            rows.append({"name": name, "benefit": group, "what": "cap", "label": _("Combined cap"),
                         "current": li.cap_text, "value": given or li.cap_text, "changed": changed,
                         "error": errors.get(name)})
        reform_set = pset
        if formulas and not errors:
            try:
                reform_set = reformed_set(pset, formulas)
            except RuleError as exc:  # each formula is fine alone, together they make a cycle
                errors["f.*"] = formula_message(exc)
        return formulas, reform_set, rows, errors

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
        formulas, reform_set, formula_rows, formula_errors = self.formula_reform(pset, policy)
        context.update(year=year, n_years=n_years, policies=list(pset), policy=policy, params=params,
                       overrides=overrides, formulas=formula_rows, formula_errors=formula_errors,
                       formula_set_error=formula_errors.get("f.*"), formula_changes=formulas,
                       formulas_open=bool(formula_errors) or any(f["changed"] for f in formula_rows))
        if formula_errors:
            context["error"] = _("A changed formula is not valid; see the formulas below.")
            return context
        if not overrides and not formulas:
            return context
        facts = registry_facts(entities, year)
        state = evaluation.decision_state(year, entities)
        try:
            base = evaluation.budget(pset, facts, year, n_years, state=state)
            reform = evaluation.budget(reform_set, facts, year, n_years, overrides=overrides, state=state)
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
