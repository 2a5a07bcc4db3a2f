"""`kechuang bench assess-store`: times a stored run and the entity page on a fictitious
registry, prints JSON, and leaves the database as it was."""

from __future__ import annotations

import argparse
import json

import pytest

from kechuang.apps.accounts import actions as unit_actions
from kechuang.apps.accounts.models import OrgUnit, User
from kechuang.apps.entities.cli import cmd_bench_assess_store
from kechuang.apps.entities.demo import COUNTIES
from kechuang.apps.entities.models import AssessmentResult, AssessmentRun, Entity

pytestmark = pytest.mark.django_db


def test_the_stored_run_benchmark_prints_its_timings_and_rolls_everything_back(people, capsys):
    missing = [code for code in COUNTIES if not OrgUnit.objects.filter(code=code).exists()]
    unit_actions.do_import_org_units(
        [unit_actions.UnitRow(None, code, f"区县{code}", code[:4] + "00", "zone" if "Z" in code else "county", [],
                              None, "test") for code in missing], acting_user=None)
    before = (Entity.objects.count(), AssessmentRun.objects.count(), User.objects.count())
    assert cmd_bench_assess_store(argparse.Namespace(entities=12)) == 0
    figures = json.loads(capsys.readouterr().out)["kechuang"]
    assert figures["entities"] == figures["results"] == 12   # the personas’ entities have no facts
    assert figures["entity_page_status"] == [200]
    for key in ("run_s", "explain_ms_median", "entity_page_ms_median", "facts_of_one_result_ms"):
        assert figures[key] >= 0
    assert (Entity.objects.count(), AssessmentRun.objects.count(), User.objects.count()) == before
    assert not AssessmentResult.objects.exists()
