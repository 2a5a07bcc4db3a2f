"""The policies module: per-entity benefits, no-application decisions, parameter versions,
budget and what-if, the API and the `kechuang policy` commands."""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.apps.audit.models import AuditEntry

M = 1_000_000
YEAR = 2025
HOHHOT = "hohhot_kjqs_2024"
AWARD = f"{HOHHOT}.rd_increment_award"
TSME = f"{HOHHOT}.tsme_two_years"


@pytest.fixture
def registry(people):
    """Hohhot: one entity with an R&D increment of 1,500万 (150万) and two TSME years (3万, once);
    one with an increment of 500万 (nearly: the threshold is 1,000万). Wuhai: the enterprise's own."""
    from kechuang.apps.entities import actions as entity_actions
    from kechuang.apps.entities.models import TsmeRegistration
    from kechuang.apps.policies import live
    from kechuang.testing import valid_uscc

    live.clear_cache()
    hohhot, wuhai = people.entities["hohhot"], people.entities["wuhai"]
    near = entity_actions.do_create_entity(acting_user=None, uscc=valid_uscc("91150102MA0000003"),
                                           name="呼和浩特示例增量不足有限公司", org_unit=people.units["150102"])
    for entity, rd in ((hohhot, (10 * M, 25 * M, 40 * M)), (near, (10 * M, 15 * M, 15 * M)),
                       (wuhai, (10 * M, 40 * M, 40 * M))):
        for year, value in zip((2024, 2025, 2026), rd, strict=True):
            entity_actions.do_save_facts(entity, year, acting_user=None, rd_expense=Decimal(value),
                                         is_above_scale=True, sales_revenue=Decimal(100 * M))
    for year in (2024, 2025, 2026):
        TsmeRegistration.objects.create(entity=hohhot, year=year)
    people.entities["near"] = near
    yield people
    live.clear_cache()


# -- the wan filter ------------------------------------------------------------------------------


def test_money_is_shown_in_wan_yuan_exactly_with_thousands_separators():
    from kechuang.apps.policies.templatetags.policies_money import wan_text

    assert wan_text(Decimal("1500000.00")) == "150.00"
    assert wan_text(Decimal("12345678900.00")) == "1,234,567.89"
    assert wan_text(Decimal("500000.05")) == "50.000005"
    assert wan_text(None) == "—"


# -- per entity ----------------------------------------------------------------------------------


def test_an_entitys_page_shows_its_benefits_with_the_explanation_and_what_it_nearly_gets(registry, login):
    client = login(registry.officer_hohhot)
    page = client.get(reverse("policies:entity_benefits", args=[registry.entities["hohhot"].pk]), {"year": YEAR})
    text = page.content.decode()
    assert page.status_code == 200
    assert "规上企业研发投入增量支持" in text and "150.00" in text
    assert "金额 = min(10% × 1,500万, 300万) = 150万" in text
    near = client.get(reverse("policies:entity_benefits", args=[registry.entities["near"].pk]), {"year": YEAR})
    result = near.context["result"]
    assert not [b for b in result.awarded if b["benefit"] == AWARD]
    nearly = {b["benefit"]: b for b in result.nearly}
    assert "差 500万" in " ".join(nearly[AWARD]["missing"])


def test_an_enterprise_sees_only_its_own_entities_benefits(registry, login):
    client = login(registry.enterprise)
    own = registry.entities["wuhai"].pk
    other = registry.entities["hohhot"].pk
    assert client.get(reverse("policies:entity_benefits", args=[own])).status_code == 200
    assert client.get(reverse("policies:entity_benefits", args=[other])).status_code == 404
    assert client.get(f"/api/policies/entities/{other}/benefits/").status_code == 404
    assert client.get(f"/api/policies/entities/{own}/benefits/?year={YEAR}").json()["has_facts"] is True
    # and the bureau's pages are not for it
    assert client.get(reverse("policies:no_application", args=[HOHHOT])).status_code == 403
    assert client.get(reverse("policies:budget")).status_code == 403


def test_a_wuhai_officer_cannot_open_a_hohhot_entitys_benefits(registry, login):
    client = login(registry.officer_wuhai)
    assert client.get(reverse("policies:entity_benefits", args=[registry.entities["hohhot"].pk])).status_code == 404


def test_the_home_page_helper_tells_an_enterprise_what_it_may_receive(registry):
    from django.template.loader import render_to_string

    from kechuang.apps.entities import actions as entity_actions
    from kechuang.apps.policies.home import home_benefits_context

    assert home_benefits_context(registry.officer_hohhot) == {"policy_benefits": []}
    entity_actions.do_link_member(registry.entities["hohhot"], registry.enterprise, acting_user=None)
    context = home_benefits_context(registry.enterprise)
    benefits = {b["benefit"]: b for b in context["policy_benefits"]}
    assert benefits[AWARD]["amount"] == Decimal("1500000.00")  # latest year with facts: 2026
    html = render_to_string("policies/_home_benefits.html", context)
    assert "150.00" in html and "规上企业研发投入增量支持" in html


# -- no-application benefits and decisions --------------------------------------------------------


def _build(client, year=YEAR, code=HOHHOT):
    """Start the no-application run (tests run tasks synchronously) and open the page it leads to."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("policies:no_application", args=[code]), {"year": year, "action": "run"})
    assert response.status_code == 302 and "run=" in response["Location"]
    return client.get(response["Location"])


def _confirm_all(client, year=YEAR):
    _build(client, year)
    return client.post(reverse("policies:no_application", args=[HOHHOT]), {"year": year, "all": "1"})


def test_the_no_application_list_is_confirmed_into_immutable_decisions(registry, login):
    from kechuang.apps.policies import actions, live
    from kechuang.apps.policies.models import BenefitDecision

    client = login(registry.officer_hohhot)
    page = _build(client)
    rows = {(r["uscc"], r["benefit"]): r for r in page.context["rows"]}
    hohhot = registry.entities["hohhot"]
    assert rows[(hohhot.uscc, AWARD)]["amount"] == Decimal("1500000.00")
    assert rows[(hohhot.uscc, TSME)]["amount"] == Decimal("30000.00")
    assert all(uscc != registry.entities["wuhai"].uscc for uscc, _b in rows)  # a Hohhot policy, a Wuhai firm
    assert _confirm_all(client).status_code == 302
    decision = BenefitDecision.objects.get(entity=hohhot, benefit=AWARD, year=YEAR)
    assert decision.amount == Decimal("1500000.00")
    assert decision.policy_sha256 == live.baseline_sha256(HOHHOT)
    assert decision.parameters["rd_increment_cap"] == "300万"
    assert decision.facts["rd_expense"] == 25 * M and decision.facts["rd_expense_prev"] == 10 * M
    assert "150万" in decision.explanation
    assert decision.funding == {"city": "1500000.00"}
    assert AuditEntry.objects.filter(verb="policies.benefitdecision.confirm", row_count=2).exists()
    # immutable: no update path, no second confirmation
    with pytest.raises(PermissionError):
        decision.amount = Decimal("1")
        decision.save()
    with pytest.raises(PermissionError):
        BenefitDecision.objects.filter(pk=decision.pk).update(amount=Decimal("1"))
    with pytest.raises(PermissionError):
        decision.delete()
    with pytest.raises(ValidationError):
        actions.do_confirm_decisions(year=YEAR, policy_code=HOHHOT, acting_user=registry.officer_hohhot, items=[
            {"entity": hohhot, "benefit": AWARD, "fen": 150_000_000, "started_year": None}])
    client.post(reverse("policies:no_application", args=[HOHHOT]),
                {"year": YEAR, "item": [f"{hohhot.uscc}|{AWARD}"]})
    assert BenefitDecision.objects.filter(entity=hohhot, benefit=AWARD).count() == 1
    page = client.get(reverse("policies:no_application", args=[HOHHOT]), {"year": YEAR})
    assert all(r["confirmed"] for r in page.context["rows"])
    assert not [n for n in {p.name for p in __import__("kechuang.apps.policies.urls", fromlist=["x"]).urlpatterns}
                if "edit" in n or "delete" in n or "update" in n]


def test_a_confirmed_one_off_benefit_is_not_paid_again_next_year(registry, login):
    from kechuang.apps.entities.models import Entity
    from kechuang.apps.policies import evaluation, live
    from kechuang.apps.policies.facts import registry_facts

    hohhot = registry.entities["hohhot"]
    one = Entity.objects.filter(pk=hohhot.pk)
    facts = registry_facts(one, 2026)
    before = evaluation.evaluate_scoped(live.live_policies(), facts, 2026, state=evaluation.decision_state(2026, one))
    assert before.frame[TSME][0] == 3_000_000  # three years in a row: without a decision it would pay
    _confirm_all(login(registry.officer_hohhot))
    state = evaluation.decision_state(2026, one)
    assert state.filter(pl.col("benefit") == TSME)["started_year"].to_list() == [YEAR]
    after = evaluation.evaluate_scoped(live.live_policies(), facts, 2026, state=state)
    assert after.frame[TSME][0] == 0 and after.frame[AWARD][0] == 150_000_000


def test_the_payment_list_exports_to_excel(registry, login):
    from openpyxl import load_workbook

    client = login(registry.officer_hohhot)
    _build(client)
    response = client.get(reverse("policies:no_application", args=[HOHHOT]), {"year": YEAR, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert any(r[0] == registry.entities["hohhot"].uscc and r[4] == 1500000 and r[5] == "150.00" for r in values)
    _confirm_all(client)
    decisions = client.get(reverse("policies:decision_list"), {"year": YEAR, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(decisions.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and 1500000 in rows[1] + rows[2]
    # the enterprise of Wuhai sees none of them
    assert login(registry.enterprise).get(reverse("policies:decision_list")).context["object_list"].count() == 0


# -- parameter versions ----------------------------------------------------------------------------


def test_a_parameter_change_is_a_dated_audited_version_exported_back_to_yaml(registry, login, tmp_path):
    from kechuang.apps.policies import evaluation, live
    from kechuang.apps.policies.facts import registry_facts
    from kechuang.apps.policies.models import ParameterVersion
    from kechuang.engine.rules import evaluate, load_policies

    client = login(registry.officer_hohhot)
    url = reverse("policies:version_create", args=[HOHHOT])
    response = client.post(url, {"parameter": "rd_increment_cap", "value": "100万", "valid_from": "2026-01-01",
                                 "reason": "压减财政支出"})
    assert response.status_code == 302, response.content.decode()[:2000]
    version = ParameterVersion.objects.get()
    assert (version.value, version.valid_from, version.created_by) == ("100万", datetime.date(2026, 1, 1),
                                                                       registry.officer_hohhot)
    entry = AuditEntry.objects.get(verb="policies.parameterversion.create")
    assert entry.before == {"value": "300万"} and entry.after["value"] == "100万"
    with pytest.raises(PermissionError):
        version.save()
    pset = live.live_policies()
    assert live.parameter_values(pset, HOHHOT, 2026)["rd_increment_cap"] == "100万"
    assert live.parameter_values(pset, HOHHOT, 2025)["rd_increment_cap"] == "300万"
    assert live.policy_sha256(HOHHOT) != live.baseline_sha256(HOHHOT)
    # the export loads as a policy file and gives the live results
    text = client.get(reverse("policies:policy_export", args=[HOHHOT])).content.decode()
    (tmp_path / f"{HOHHOT}.yaml").write_text(text, encoding="utf-8")
    exported = load_policies(tmp_path)
    values = [(v.start, v.text) for v in exported[HOHHOT].parameters["rd_increment_cap"].values]
    assert values == [(datetime.date(2025, 1, 1), "300万"), (datetime.date(2026, 1, 1), "100万")]
    from kechuang.engine.rules import check_policies

    assert check_policies(tmp_path).ok or all(f.code == "T601" for f in check_policies(tmp_path).failures)
    facts = registry_facts(registry.entities["hohhot"].__class__.objects.all(), 2026)
    ours = evaluation.evaluate_scoped(pset, facts, 2026, codes=[HOHHOT])
    theirs = evaluate(exported, facts.filter(pl.col("division_code").str.starts_with("1501")), 2026)
    assert ours.by_policy()[HOHHOT] == theirs.total_fen == 100 * M + 3 * M  # 100万 (capped) + 3万
    # the page lists the version; a bad value is refused and stores nothing
    assert "压减财政支出" in client.get(reverse("policies:policy_detail", args=[HOHHOT])).content.decode()
    bad = client.post(url, {"parameter": "rd_increment_cap", "value": "10%", "valid_from": "2026-01-01"})
    assert bad.status_code == 200 and ParameterVersion.objects.count() == 1


def test_only_the_bureau_changes_parameters(registry, login):
    client = login(registry.reporter_haibowan)
    response = client.post(reverse("policies:version_create", args=[HOHHOT]),
                           {"parameter": "rd_increment_cap", "value": "100万", "valid_from": "2025-01-01"})
    assert response.status_code == 403


# -- budget and what-if ----------------------------------------------------------------------------


def test_the_budget_matches_the_engines_totals_and_continues_for_the_coming_years(registry, login):
    from kechuang.apps.entities.models import Entity
    from kechuang.apps.policies import live
    from kechuang.apps.policies.facts import registry_facts
    from kechuang.engine.rules import evaluate

    client = login(registry.admin)
    tables = client.get(reverse("policies:budget"), {"year": YEAR, "years": 2}).context["tables"]
    facts = registry_facts(Entity.objects.all(), YEAR)
    pset = live.live_policies()
    expected = 0
    for codes, prefix in ((["hohhot_kjqs_2024"], "1501"), (["wuhai_14th_plan_2022"], "1503"),
                          (["cn_eit_hte_rate", "cn_rd_super_deduction_2023"], "")):
        expected += evaluate(pset.select(codes), facts.filter(pl.col("division_code").str.starts_with(prefix)),
                             YEAR).total_fen
    assert tables["years"] == [2025, 2026]
    assert tables["total"]["values"][0] == Decimal(expected) / 100 == Decimal("1530000.00")
    assert tables["total"]["values"][1] == Decimal("1500000.00")  # the one-off 3万 is not paid again
    counties = {r["label"]: r["values"] for r in tables["counties"]}
    assert counties["新城区"][0] == Decimal("1530000.00")
    levels = {r["label"]: r["values"] for r in tables["levels"]}
    assert sum(v[0] for v in levels.values()) == Decimal("1530000.00")


def test_a_what_if_compares_by_county_and_never_changes_the_live_version(registry, login):
    from kechuang.apps.policies import live
    from kechuang.apps.policies.models import ParameterVersion

    client = login(registry.officer_hohhot)
    page = client.get(reverse("policies:whatif"), {"policy": HOHHOT, "year": YEAR, "years": 1,
                                                   "p.rd_increment_min": "500万", "p.rd_increment_cap": "100万"})
    assert page.status_code == 200
    counties = {c["division_code"]: c for c in page.context["counties"]}
    # 150万 → 100万 for one, 0 → 50万 for the other
    assert counties["150102"]["baseline"] == Decimal("1530000.00")
    assert counties["150102"]["reform"] == Decimal("1530000.00") - Decimal("500000.00") + Decimal("500000.00")
    assert page.context["n_gainers"] == 1 and page.context["n_losers"] == 1
    assert "echarts.min.js" in page.content.decode() and "whatif-data" in page.content.decode()
    assert ParameterVersion.objects.count() == 0
    assert live.parameter_values(live.live_policies(), HOHHOT, YEAR)["rd_increment_cap"] == "300万"
    bad = client.get(reverse("policies:whatif"), {"policy": HOHHOT, "year": YEAR, "p.rd_increment_cap": "10%"})
    assert bad.status_code == 200 and bad.context["error"]


# -- territory (issue #5) -------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def test_a_policy_files_territory_is_loaded_and_a_bad_division_code_is_refused_with_file_and_line(tmp_path):
    from kechuang.engine.rules import RuleError, load_policies

    pset = load_policies(REPO / "data" / "policies")
    assert pset[HOHHOT].territory == ["150100"] and pset["wuhai_14th_plan_2022"].territory == ["150300"]
    assert pset["cn_eit_hte_rate"].territory == [] and pset["cn_rd_super_deduction_2023"].territory == []
    assert pset[HOHHOT].applies_to("150102") and pset[HOHHOT].applies_to("150102Z01")
    assert not pset[HOHHOT].applies_to("150302") and not pset[HOHHOT].applies_to(None)
    assert pset["cn_eit_hte_rate"].applies_to("150302") and pset["cn_eit_hte_rate"].applies_to(None)
    assert pset[HOHHOT].to_json()["territory"] == ["150100"]

    source = (REPO / "data" / "policies" / f"{HOHHOT}.yaml").read_text(encoding="utf-8")
    line = source.splitlines().index('territory: ["150100"]') + 1
    bad = tmp_path / "bad_territory.yaml"
    bad.write_text(source.replace('territory: ["150100"]', 'territory: ["1501", "150100", "150100"]'), encoding="utf-8")
    with pytest.raises(RuleError) as refused:
        load_policies(bad)
    found = [(p.code, p.file, p.line) for p in refused.value.problems]
    assert found == [("R417", "bad_territory.yaml", line), ("R405", "bad_territory.yaml", line)]
    assert "`1501` 不是6位行政区划代码" in refused.value.problems[0].message("zh")
    absent = tmp_path / "no_territory.yaml"
    absent.write_text(source.replace('territory: ["150100"]\n', ""), encoding="utf-8")
    assert load_policies(absent)[HOHHOT].territory == []  # absent: applies everywhere


def test_the_module_evaluates_each_policy_on_the_territory_its_file_names(registry, login, settings, tmp_path):
    from kechuang.apps.policies import evaluation, live

    assert not hasattr(evaluation, "TERRITORY")
    admin = login(registry.admin)
    wuhai, hohhot = registry.entities["wuhai"], registry.entities["hohhot"]

    def awarded(entity):
        page = admin.get(reverse("policies:entity_benefits", args=[entity.pk]), {"year": YEAR})
        return {b["benefit"]: b["amount"] for b in page.context["result"].awarded}

    assert AWARD in awarded(hohhot) and AWARD not in awarded(wuhai)
    assert "呼和浩特市" in admin.get(reverse("policies:policy_detail", args=[HOHHOT])).content.decode()
    # the same policy, its file moved to Wuhai: Wuhai's enterprise gets it, Hohhot's do not
    moved = tmp_path / "policies"
    shutil.copytree(REPO / "data" / "policies", moved)
    path = moved / f"{HOHHOT}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('territory: ["150100"]', 'territory: ["150300"]'),
                    encoding="utf-8")
    settings.POLICIES_DIR = str(moved)
    live.clear_cache()
    assert awarded(wuhai)[AWARD] == Decimal("3000000.00")  # 10% × (4,000万 − 1,000万), capped at 300万
    assert AWARD not in awarded(hohhot)
    listing = admin.get(reverse("policies:policy_list")).content.decode()
    assert "乌海市" in listing


# -- budget: year × county × funding level --------------------------------------------------------


def test_the_budget_cross_table_adds_up_to_the_per_policy_totals_and_exports_to_excel(registry, login):
    from openpyxl import load_workbook

    client = login(registry.admin)
    page = client.get(reverse("policies:budget"), {"year": YEAR, "years": 3})
    tables, cross = page.context["tables"], page.context["cross"]
    assert cross["years"] == tables["years"] == [2025, 2026, 2027]
    assert "city" in cross["levels"]
    for i, _year in enumerate(cross["years"]):
        per_policy = sum((r["values"][i] for r in tables["policies"]), Decimal(0))
        assert cross["total"]["years"][i]["total"] == per_policy == tables["total"]["values"][i]
        assert sum((r["years"][i]["total"] for r in cross["rows"]), Decimal(0)) == per_policy
        for j, _level in enumerate(cross["levels"]):
            assert sum((r["years"][i]["levels"][j] for r in cross["rows"]), Decimal(0)) == \
                cross["total"]["years"][i]["levels"][j]
        for r in cross["rows"]:
            assert sum(r["years"][i]["levels"], Decimal(0)) == r["years"][i]["total"]
    assert cross["total"]["total"] == tables["total"]["total"]
    county = {r["county"]: r for r in cross["rows"]}["150102"]
    assert county["name"] == "新城区"
    assert [y["total"] for y in county["years"]] == [Decimal("1530000.00"), Decimal("1500000.00"),
                                                     Decimal("1500000.00")]  # the one-off 3万 once
    assert 'data-testid="budget-cross"' in page.content.decode()

    response = client.get(reverse("policies:budget"), {"year": YEAR, "years": 3, "export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert len(header) == 2 + 3 * (len(cross["levels"]) + 1) + 1
    assert [r[0] for r in body] == [r["county"] for r in cross["rows"]]
    assert Decimal(str(total[-1])) == tables["total"]["total"] == sum(Decimal(str(r[-1])) for r in body)
    policy_rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert Decimal(str(policy_rows[-1][-1])) == tables["total"]["total"]
    assert login(registry.enterprise).get(reverse("policies:budget"), {"export": "xlsx"}).status_code in (403, 404)


# -- what-if: formulas -----------------------------------------------------------------------------


def test_a_what_if_may_replace_a_formula_and_a_bad_formula_is_shown_in_the_form(registry, login):
    client = login(registry.officer_hohhot)
    url = reverse("policies:whatif")
    page = client.get(url, {"policy": HOHHOT, "year": YEAR, "years": 1,
                            "f.rd_increment_award.amount": "min(20% * rd_increment, 300万)"})
    assert "error" not in page.context
    counties = {c["division_code"]: c for c in page.context["counties"]}
    # 20% × 1,500万 = 300万 instead of 150万; the other firm stays below the 1,000万 threshold
    assert counties["150102"]["baseline"] == Decimal("1530000.00")
    assert counties["150102"]["reform"] == Decimal("3030000.00") and counties["150102"]["delta"] == Decimal("1500000.00")
    assert page.context["n_gainers"] == 1 and page.context["n_losers"] == 0
    assert page.context["formula_changes"] == {AWARD + ".amount": "min(20% * rd_increment, 300万)"}
    from kechuang.apps.policies import live

    assert live.live_policies().benefit(AWARD).amount_text == "min(rd_increment_rate * rd_increment, rd_increment_cap)"

    cases = {"f.rd_increment_award.amount": ("min(20% * rd_incremnt, 300万)", "未知的事实或参数 `rd_incremnt`"),
             "f.rd_increment_award.when": ("is_above_scale and rd_increment >= 500", "没有单位"),
             "f.tsme_two_years.amount": ("tsme_two_years", "循环引用")}
    for name, (text, reason) in cases.items():
        bad = client.get(url, {"policy": HOHHOT, "year": YEAR, "years": 1, name: text})
        assert bad.status_code == 200 and bad.context["error"] and "counties" not in bad.context
        row = next(f for f in bad.context["formulas"] if f["name"] == name)
        assert reason in row["error"], row["error"]
        assert 'data-testid="formula-error"' in bad.content.decode()


def test_a_formula_reform_is_type_checked_and_reordered_by_its_new_dependencies():
    from kechuang.engine.rules import RuleError, evaluate, load_policies
    from kechuang.engine.rules.engine import evaluation_order, reformed_set

    pset = load_policies(REPO / "data" / "policies")
    assert evaluation_order(pset) == pset.order
    # the award now reads the TSME benefit, which comes later in the files' order
    reform = reformed_set(pset, {AWARD + ".amount": "tsme_two_years + 1万"})
    assert reform.order.index(TSME) < reform.order.index(AWARD) and pset.order.index(TSME) > pset.order.index(AWARD)
    assert pset.benefit(AWARD).amount_text.startswith("min(")  # the live set is untouched
    facts = pl.DataFrame({"uscc": ["a"], "is_above_scale": [True], "rd_expense": [25 * M], "rd_expense_prev": [10 * M],
                          "tsme_consecutive_years": [2]})
    ev = evaluate(reform.select([HOHHOT]), facts, YEAR)
    assert ev.frame[AWARD][0] == ev.frame[TSME][0] + 1_000_000 == 4_000_000  # fen: 3万 + 1万
    with pytest.raises(RuleError) as wrong_type:
        reformed_set(pset, {AWARD + ".when": "rd_increment"})
    assert wrong_type.value.code == "R304" and wrong_type.value.problem.file == f"<{AWARD}.when>"
    with pytest.raises(RuleError) as cycle:
        reformed_set(pset, {AWARD + ".amount": "tsme_two_years", TSME + ".amount": "rd_increment_award"})
    assert cycle.value.code == "R204"


# -- no-application runs in the background ---------------------------------------------------------


def test_the_no_application_list_is_built_by_a_background_task_city_by_city(registry, login):
    from kechuang.apps.entities import actions as entity_actions
    from kechuang.apps.entities.models import Entity
    from kechuang.apps.policies.models import BenefitDecision
    from kechuang.apps.policies.tasks import city_partitions
    from kechuang.apps.tasks.models import Task

    admin = login(registry.admin)
    url = reverse("policies:no_application", args=[HOHHOT])
    before = admin.get(url, {"year": YEAR})
    assert before.context["run"] is None and before.context["rows"] == []
    assert 'data-testid="no-run"' in before.content.decode()
    page = _build(admin)
    task = Task.objects.get(name="policies.no_application")
    assert task.status == Task.Status.SUCCEEDED and task.params == {"policy": HOHHOT, "year": YEAR}
    assert task.created_by == registry.admin
    # the region holds Hohhot and Wuhai; Hohhot's policy needs only Hohhot's partition
    assert city_partitions(Entity.objects.all(), ()) == ["1501", "1503"]
    assert city_partitions(Entity.objects.all(), ("1501",)) == ["1501"]
    assert task.done == task.total == 1 and task.result["count"] == 2 and task.result["total_yuan"] == "1530000.00"
    assert page.context["run"] == task and {r["uscc"] for r in page.context["rows"]} == {
        registry.entities["hohhot"].uscc}
    assert 'data-testid="qualifying"' in page.content.decode()
    # the facts change after the run: confirming is refused, nothing is written
    entity_actions.do_save_facts(registry.entities["hohhot"], YEAR, acting_user=None, rd_expense=Decimal(20 * M),
                                 is_above_scale=True, sales_revenue=Decimal(100 * M))
    refused = admin.post(url, {"year": YEAR, "run": task.pk, "all": "1"}, follow=True)
    assert BenefitDecision.objects.count() == 0
    errors = [str(m) for m in refused.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and registry.entities["hohhot"].name in errors[0]
    rebuilt = _build(admin)
    assert {r["amount"] for r in rebuilt.context["rows"]} == {Decimal("1000000.00"), Decimal("30000.00")}
    admin.post(url, {"year": YEAR, "all": "1"})  # the newest run
    assert BenefitDecision.objects.count() == 2
    # a run is not found for a user who may not see it
    assert login(registry.officer_wuhai).get(url, {"year": YEAR, "run": task.pk}).status_code == 404
    assert login(registry.enterprise).post(url, {"year": YEAR, "action": "run"}).status_code in (403, 404)



def test_the_page_follows_a_run_that_is_not_done_yet(registry, login):
    client = login(registry.officer_hohhot)
    url = reverse("policies:no_application", args=[HOHHOT])
    response = client.post(url, {"year": YEAR, "action": "run"})  # not committed: the task stays queued
    page = client.get(response["Location"])
    assert page.context["run"].status == "queued" and not page.context["ready"] and page.context["rows"] == []
    text = page.content.decode()
    assert 'id="task"' in text and 'data-finished="0"' in text and 'data-testid="qualifying"' not in text
    assert client.get(url, {"year": YEAR, "run": "not-a-task"}).status_code == 404


# -- API ------------------------------------------------------------------------------------------


def test_the_api_lists_policies_and_evaluates_rows(registry, login):
    from kechuang.testing import valid_uscc

    client = login(registry.officer_wuhai)
    listing = client.get("/api/policies/policies/").json()
    assert {p["code"] for p in listing["results"]} >= {HOHHOT, "wuhai_14th_plan_2022"}
    territory = {p["code"]: p["territory"] for p in listing["results"]}
    assert territory[HOHHOT] == ["150100"] and territory["cn_eit_hte_rate"] == []
    uscc = valid_uscc("91150102MA0000009")
    rows = [{"uscc": uscc, "division_code": "150102", "year": 2024, "rd_expense": 10 * M, "is_above_scale": True},
            {"uscc": uscc, "division_code": "150102", "year": 2025, "rd_expense": 25 * M, "is_above_scale": True}]
    body = client.post("/api/policies/evaluate/", {"year": YEAR, "rows": rows, "policies": [HOHHOT]},
                       content_type="application/json")
    assert body.status_code == 200, body.content
    entity = body.json()["entities"][0]
    assert entity["benefits"][AWARD] == "1500000.00" and body.json()["total_yuan"] == "1500000.00"
    what = client.post("/api/policies/evaluate/", {"year": YEAR, "rows": rows, "overrides": {"rd_increment_cap": "1亿"}},
                       content_type="application/json")
    assert what.json()["entities"][0]["benefits"][AWARD] == "1500000.00"
    bad = client.post("/api/policies/evaluate/", "{not json", content_type="application/json")
    assert bad.status_code == 400
    unknown = client.post("/api/policies/evaluate/", {"year": YEAR, "rows": rows, "overrides": {"nope": "1"}},
                          content_type="application/json")
    assert unknown.status_code == 400 and "overrides" in unknown.json()
    own = client.get(f"/api/policies/entities/{registry.entities['wuhai'].pk}/benefits/?year={YEAR}").json()
    assert own["has_facts"]  # no industry code in the registry: the super deduction cannot be decided yet
    assert any(b["benefit"] == "cn_rd_super_deduction_2023.super_deduction" and "industry_code" in " ".join(b["missing"])
               for b in own["nearly"])


# -- command line ------------------------------------------------------------------------------------

EXECUTABLE = shutil.which("kechuang", path=str(Path(sys.executable).parent)) or "kechuang"
POLICIES = Path(__file__).resolve().parents[1] / "data" / "policies"


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KECHUANG_", "DJANGO_"))}
    environment["KECHUANG_DATA_DIR"] = str(data_dir)
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, env=environment, timeout=300,
                          cwd=data_dir)


def _exchange_file(path: Path) -> Path:
    from kechuang.engine.codes import uscc_check_char

    rows = []
    for i, (division, rd) in enumerate((("150102", (10 * M, 25 * M)), ("150102", (10 * M, 15 * M)))):
        body = f"91{division}MA000001{i}"
        for year, value in zip((2024, 2025), rd, strict=True):
            rows.append({"uscc": body + uscc_check_char(body), "division_code": division, "year": year,
                         "rd_expense": value, "is_above_scale": True})
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def test_policy_check_passes_on_the_shipped_policies_and_names_file_and_line_of_a_broken_copy(tmp_path):
    ok = run(["policy", "check", str(POLICIES)], tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "broken"
    shutil.copytree(POLICIES, broken)
    target = broken / f"{HOHHOT}.yaml"
    text = target.read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "when: is_above_scale and rd_increment" in t)
    target.write_text(text.replace("when: is_above_scale and rd_increment >=", "when: is_above_scale and rd_incremnt >="),
                      encoding="utf-8")
    failed = run(["policy", "check", str(broken)], tmp_path)
    assert failed.returncode == 1
    assert f"{HOHHOT}.yaml:{line}:" in failed.stdout + failed.stderr
    assert "rd_increment" in failed.stdout + failed.stderr  # the "did you mean" suggestion


def test_policy_eval_explain_and_whatif_on_an_exchange_file(tmp_path):
    source = _exchange_file(tmp_path / "register.json")
    result = run(["policy", "eval", "--year", "2025", "--input", str(source), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    amounts = sorted(e["benefits"][AWARD] for e in data["entities"])
    assert amounts == ["0.00", "1500000.00"] and data["total_yuan"] == "1500000.00"
    uscc = next(e["uscc"] for e in data["entities"] if e["benefits"][AWARD] == "1500000.00")
    explained = run(["policy", "explain", HOHHOT, "--entity", uscc, "--year", "2025", "--input", str(source)], tmp_path)
    assert explained.returncode == 0 and "= 150万" in explained.stdout
    what = run(["policy", "whatif", "--set", "rd_increment_min=500万", "--set", "rd_increment_cap=100万", "--year",
                "2025", "--input", str(source), "--format", "json"], tmp_path)
    assert what.returncode == 0, what.stderr
    assert json.loads(what.stdout)["reform_total_yuan"] == "1500000.00"  # 100万 + 50万
    wrong = run(["policy", "whatif", "--set", "rd_incremnt_min=500万", "--year", "2025", "--input", str(source)],
                tmp_path)
    assert wrong.returncode == 1 and "rd_increment_min" in wrong.stderr


def test_bench_policy_refuses_a_missing_harness(tmp_path):
    result = run(["bench", "policy", "--harness", str(tmp_path / "nowhere"), "--entities", "10", "--programmes", "1",
                  "--format", "json"], tmp_path)
    assert result.returncode == 1 and "nowhere" in result.stderr


def test_the_engine_applies_the_territory_in_eval_explain_and_whatif_on_an_exchange_file(tmp_path):
    """Issue #5: one way to apply a policy's territory — the engine's. A Hohhot and a Wuhai
    entity with the same 1,500万 R&D increment: only the Hohhot one gets the Hohhot award."""
    from kechuang.engine.codes import uscc_check_char

    rows, uscc = [], {}
    for i, division in enumerate(("150102", "150302")):
        body = f"91{division}MA000002{i}"
        uscc[division] = body + uscc_check_char(body)
        for year, value in ((2024, 10 * M), (2025, 25 * M)):
            rows.append({"uscc": uscc[division], "division_code": division, "year": year, "rd_expense": value,
                         "is_above_scale": True})
    source = tmp_path / "two_cities.json"
    source.write_text(json.dumps(rows), encoding="utf-8")
    result = run(["policy", "eval", "--year", "2025", "--input", str(source), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    by_uscc = {e["uscc"]: e["benefits"] for e in json.loads(result.stdout)["entities"]}
    assert by_uscc[uscc["150102"]][AWARD] == "1500000.00"
    assert by_uscc[uscc["150302"]][AWARD] == "0.00"
    outside = run(["policy", "explain", HOHHOT, "--entity", uscc["150302"], "--year", "2025", "--input", str(source),
                   "--format", "json"], tmp_path)
    assert outside.returncode == 0, outside.stderr
    award = next(b for b in json.loads(outside.stdout)["benefits"] if b["benefit"] == AWARD)
    assert award["status"] == "not_eligible" and award["amount_yuan"] == "0.00"
    assert {"zh": "不在政策适用范围（呼和浩特市）", "ok": False}.items() <= award["steps"][0].items()
    inside = run(["policy", "explain", HOHHOT, "--entity", uscc["150102"], "--year", "2025", "--input", str(source)],
                 tmp_path)
    assert "在政策适用范围（呼和浩特市）内" in inside.stdout and "= 150万" in inside.stdout
    what = run(["policy", "whatif", "--set", "rd_increment_cap=500万", "--year", "2025", "--input", str(source),
                "--format", "json"], tmp_path)
    assert what.returncode == 0, what.stderr
    data = json.loads(what.stdout)  # the cap does not bind at 150万: nobody gains, the Wuhai entity stays at 0
    assert data["baseline_total_yuan"] == data["reform_total_yuan"] == "1500000.00"


def test_the_api_applies_the_territory_like_the_cli(registry, login):
    from kechuang.engine.codes import uscc_check_char

    rows = []
    for i, division in enumerate(("150102", "150302")):
        body = f"91{division}MA000003{i}"
        for year, value in ((2024, 10 * M), (2025, 25 * M)):
            rows.append({"uscc": body + uscc_check_char(body), "division_code": division, "year": year,
                         "rd_expense": value, "is_above_scale": True})
    response = login(registry.admin).post("/api/policies/evaluate/", {"year": 2025, "rows": rows},
                                          content_type="application/json")
    assert response.status_code == 200, response.content
    paid = {e["uscc"][2:8]: e["benefits"][AWARD] for e in response.json()["entities"]}
    assert paid == {"150102": "1500000.00", "150302": "0.00"}
    rows[2]["division_code"] = rows[3]["division_code"] = None  # no division code: inside no territory
    response = login(registry.admin).post("/api/policies/evaluate/", {"year": 2025, "rows": rows},
                                          content_type="application/json")
    paid = {e["uscc"][2:8]: e["benefits"][AWARD] for e in response.json()["entities"]}
    assert paid == {"150102": "1500000.00", "150302": "0.00"}


def test_a_what_if_may_change_the_cap_of_a_combined_limit_with_the_same_error_display(registry, login, settings,
                                                                                       tmp_path):
    """Issue #5: the caps of a policy's `limits` are edited in the what-if like the formulas."""
    from kechuang.apps.policies import live

    folder = tmp_path / "policies"
    shutil.copytree(REPO / "data" / "policies", folder)
    path = folder / f"{HOHHOT}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nlimits:\n  - {kind: combined_cap, label: 研发与科小合计上限, "
                    "benefits: [rd_increment_award, tsme_two_years], cap: 100万}\n", encoding="utf-8")
    settings.POLICIES_DIR = str(folder)
    live.clear_cache()
    client = login(registry.officer_hohhot)
    url = reverse("policies:whatif")
    form = client.get(url, {"policy": HOHHOT, "year": YEAR, "years": 1})
    row = next(f for f in form.context["formulas"] if f["name"] == "l.1.cap")
    assert row["current"] == "100万" and row["benefit"].label == "研发与科小合计上限"
    page = client.get(url, {"policy": HOHHOT, "year": YEAR, "years": 1, "l.1.cap": "200万"})
    assert "error" not in page.context, page.context.get("error")
    county = next(c for c in page.context["counties"] if c["division_code"] == "150102")
    # 150万 + 3万 capped at 100万 in the live version; a cap of 200万 no longer binds
    assert county["baseline"] == Decimal("1000000.00") and county["reform"] == Decimal("1530000.00")
    assert page.context["formula_changes"] == {f"{HOHHOT}.limits.1.cap": "200万"}
    assert live.live_policies()[HOHHOT].limits[0].cap_text == "100万"  # the live version is untouched
    for text, reason in (("45%", "金额公式的结果必须是金额"), ("rd_increment_cp", "未知的事实或参数 `rd_increment_cp`")):
        bad = client.get(url, {"policy": HOHHOT, "year": YEAR, "years": 1, "l.1.cap": text})
        assert bad.status_code == 200 and bad.context["error"] and "counties" not in bad.context
        row = next(f for f in bad.context["formulas"] if f["name"] == "l.1.cap")
        assert reason in row["error"], row["error"]
        assert 'data-testid="formula-error"' in bad.content.decode()
    live.clear_cache()


def test_the_registry_benchmark_times_facts_budget_and_whatif_and_leaves_the_database_as_it_was(registry):
    from kechuang.apps.entities.models import Entity
    from kechuang.apps.policies import evaluation, live
    from kechuang.apps.policies.bench import bench_policy_registry
    from kechuang.apps.policies.facts import registry_facts

    before = Entity.objects.count()
    figures = bench_policy_registry(0, year=YEAR, years=2, repeat=1)
    assert Entity.objects.count() == before
    assert figures["registry_entities"] == before and figures["facts_rows"] == 3
    assert all(figures[k] >= 0 for k in ("facts_s", "evaluate_s", "budget_s", "whatif_s"))
    direct = evaluation.budget(live.live_policies(), registry_facts(Entity.objects.all(), YEAR), YEAR, 2)
    assert figures["budget_total_yuan"] == str(evaluation.yuan(sum(r.total_fen for r in direct)))
    assert Decimal(figures["budget_total_yuan"]) > 0


def test_the_registry_benchmark_imports_n_entities_and_rolls_them_back(registry, monkeypatch):
    from kechuang.apps.entities import demo
    from kechuang.apps.entities.models import Entity, EntityFact
    from kechuang.apps.policies.bench import bench_policy_registry

    monkeypatch.setattr(demo, "COUNTIES", ["150302", "150102"])  # the units the test database has
    before = (Entity.objects.count(), EntityFact.objects.count())
    figures = bench_policy_registry(5, year=2024, years=1, repeat=1)
    assert figures["registry_entities"] == before[0] + 5 and figures["setup_import_s"] >= 0
    assert figures["facts_rows"] == 3 + 5  # the three registry entities have 2024 rows, and the five new ones
    assert (Entity.objects.count(), EntityFact.objects.count()) == before


def test_the_registry_facts_are_read_column_wise_in_a_few_queries(registry, django_assert_max_num_queries):
    """The facts frame costs a handful of queries whatever the number of entities."""
    from kechuang.apps.entities.models import Entity
    from kechuang.apps.policies.facts import registry_facts

    with django_assert_max_num_queries(8):
        facts = registry_facts(Entity.objects.all(), YEAR)
    row = facts.filter(pl.col("uscc") == registry.entities["hohhot"].uscc).row(0, named=True)
    assert row["rd_expense"] == 25 * M and row["rd_expense_prev"] == 10 * M and row["division_code"] == "150102"
    assert row["tsme_consecutive_years"] == 2  # registered in 2024 and 2025, counted year by year


def test_the_engine_applies_the_territory_only_to_data_with_division_codes_and_says_so_otherwise():
    from kechuang.engine.rules import evaluate, explain, load_policies

    pols = load_policies(POLICIES)
    rows = {"uscc": ["A", "B", "C"], "division_code": ["150102", "150302", None], "is_above_scale": [True] * 3,
            "rd_expense": [25 * M] * 3, "rd_expense_prev": [10 * M] * 3}
    ev = evaluate(pols, pl.DataFrame(rows), 2025)
    assert ev.frame[AWARD].to_list() == [150 * M, 0, 0]  # fen: 150万 inside, outside, no division code
    assert not any(w.code == "W703" for w in ev.warnings)
    without = evaluate(pols, pl.DataFrame(rows).drop("division_code"), 2025)
    assert without.frame[AWARD].to_list() == [150 * M] * 3
    warning = next(w for w in without.warnings if w.code == "W703")
    assert HOHHOT in warning.message("zh") and "division_code" in warning.message("zh")
    forced = evaluate(pols, pl.DataFrame(rows).drop("division_code"), 2025, territory=True)
    assert forced.frame[AWARD].to_list() == [0, 0, 0]
    trace = explain(pols, HOHHOT, pl.DataFrame(rows).slice(2, 1), 2025)
    step = next(b for b in trace.benefits if b.benefit == AWARD).steps[0]
    assert (step.zh, step.ok) == ("不在政策适用范围（呼和浩特市）", False)
    assert step.en == "outside the policy's territory (呼和浩特市)"


def test_a_reform_of_a_combined_cap_is_type_checked_and_names_the_limit():
    from kechuang.engine.rules import RuleError, load_policies, whatif
    from kechuang.engine.rules.engine import reformed_set

    pols = load_policies(REPO / "tests" / "data" / "policies" / "fixtures" / "dependencies.yaml")
    n = next(i for i, li in enumerate(pols["deps"].limits, 1) if li.kind == "combined_cap")
    facts = pl.DataFrame({"uscc": ["A"], "rd_expense": [50 * M], "is_new_high_tech": [False],
                          "tsme_consecutive_years": [0]})
    w = whatif(pols, facts, 2025, formulas={f"deps.limits.{n}.cap": "450万"})
    assert w.delta_fen == 50 * M  # the combined cap 400万 → 450万
    with pytest.raises(RuleError) as bad:
        reformed_set(pols, {f"deps.limits.{n}.cap": "45%"})
    assert bad.value.problems[0].code == "R305" and bad.value.problems[0].file == f"<deps.limits.{n}.cap>"
    for target in ("deps.limits.9.cap", f"deps.limits.{n - 1}.cap"):  # no such limit; a highest_of has no cap
        with pytest.raises(RuleError) as missing:
            reformed_set(pols, {target: "1万"})
        assert missing.value.problems[0].code == "R703"
