"""Test data of the plans module: a small plan for a city, with a decomposed target, a
computed indicator and tasks led by a county; loaded through the action.

Used by this app's tests and by ``tests/test_permission_matrix.py`` (objects inside each
persona's units).
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from pathlib import Path

SAMPLE_PLAN = """\
format: 1
code: {code}
title: "{city_name}科技创新示例规划"
kind: plan
status: in_force
city: "{city}"
owner_unit: "{owner}"
period: {{start: 2021, end: 2025}}
source: {{file: 000_c8b8e38b7f624e86.txt}}
chapters:
  - {{code: "1", number: "第一章", title: "创新投入"}}
indicators:
  - code: rd-spending
    name: "全社会研发经费投入"
    unit: "亿元"
    chapter: "1"
    lead_unit: "{owner}"
    baseline: {{year: 2020, value: 3}}
    targets:
      - year: 2025
        value: 6
        parts:
          - {{unit: "{county}", value: 4}}
          - {{unit: "{county2}", value: 2}}
    measure: {{method: reported, temporal: flow, aggregation: sum}}
    quote: "全社会研发经费投入达到6亿元"
  - code: platforms
    name: "科技创新平台数量"
    unit: "家"
    chapter: "1"
    lead_unit: "{county}"
    baseline: {{year: 2020, value: 10}}
    targets:
      - {{year: 2025, value: 20}}
    quote: "科技创新平台达到20家"
  - code: hte
    catalogue: hte-count
    name: "国家高新技术企业数量"
    unit: "家"
    baseline: {{year: 2020, value: 30}}
    targets:
      - {{year: 2025, value: 100}}
    quote: "国家高新技术企业达到100家"
tasks:
  - {{number: "1", title: "建设创新平台", text: "建设一批创新平台。", units: ["{county}", "{owner}"]}}
  - {{number: "2", title: "培育科技企业", text: "培育科技型企业。", units: ["{county2}"]}}
"""

CITIES = {
    "150300": {"city_name": "乌海市", "owner": "乌海市科学技术局", "county": "海勃湾区", "county2": "海南区"},
    "150100": {"city_name": "呼和浩特市", "owner": "新城区", "county": "新城区", "county2": "新城区"},
}

CATALOGUE = Path(__file__).resolve().parents[3] / "data" / "plans" / "catalogue.yaml"


def write_sample_folder(folder: Path, city: str = "150300", code: str | None = None) -> Path:
    """Write the sample plan (and the shipped catalogue) into a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    params = dict(CITIES[city], city=city, code=code or f"sample-{city}")
    if params["county"] == params["county2"]:  # one county only: no second part
        text = SAMPLE_PLAN.format(**params)
        text = text.replace(f'          - {{unit: "{params["county2"]}", value: 2}}\n', "", 1)
        text = text.replace(f'{{unit: "{params["county"]}", value: 4}}', f'{{unit: "{params["county"]}", value: 6}}')
    else:
        text = SAMPLE_PLAN.format(**params)
    (folder / f"{params['code']}.yaml").write_text(text, encoding="utf-8")
    shutil.copy(CATALOGUE, folder / "catalogue.yaml")
    return folder


def sample_plan(city: str = "150300", *, published: bool = True):
    """The sample plan of a city, loaded (and published) on first use, with an open 2024 round."""
    from .actions import do_load_plans, do_open_round, do_publish_plan
    from .models import Plan

    code = f"sample-{city}"
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        with tempfile.TemporaryDirectory() as folder:
            do_load_plans(write_sample_folder(Path(folder), city), acting_user=None)
        plan = Plan.objects.get(code=code)
        if published:
            do_publish_plan(plan, published=True, acting_user=None)
        do_open_round(plan, year=2024, deadline=datetime.date(2025, 3, 31), acting_user=None)
    return plan


def sample_revision(plan, unit_code: str):
    """A pending revision request of the unit: a 2023 round reported, approved, then reopened on request."""
    from .actions import (
        LineInput,
        do_approve_report,
        do_open_round,
        do_request_revision,
        do_save_report,
        do_submit_report,
    )
    from .models import RevisionRequest, Round, UnitReport
    from .reporting import value_lines

    found = RevisionRequest.objects.filter(report__round__plan=plan, report__org_unit__code=unit_code).first()
    if found is not None:
        return found
    round_ = Round.objects.filter(plan=plan, year=2023, quarter=0).first() or do_open_round(
        plan, year=2023, deadline=datetime.date(2024, 3, 31), acting_user=None)
    report = UnitReport.objects.get(round=round_, org_unit__code=unit_code)
    do_save_report(report, acting_user=None,
                   values=[LineInput(line.key, 2.0, "test") for line in value_lines(report)])
    do_submit_report(report, acting_user=None)
    report = do_approve_report(report, acting_user=None)
    return do_request_revision(report.values.first(), reason="test", acting_user=None)


def sample_kwargs(route: str, people, persona: str) -> dict:
    """URL parameters for a plans route: objects inside the persona's units."""
    from kechuang.testing import PERSONAS

    from .models import Indicator, Round, UnitReport, Value

    unit_code = PERSONAS.get(persona, (None, "150302"))[1]
    city = "150100" if unit_code.startswith("1501") else "150300"
    plan = sample_plan(city)
    report_unit = {"150300": "150302", "150100": "150102"}[city]
    report = UnitReport.objects.get(round__plan=plan, round__year=2024, org_unit__code=report_unit)
    value = Value.objects.filter(report=report).first()
    if value is None:
        from .actions import LineInput, do_save_report
        from .reporting import value_lines

        line = value_lines(report)[0]
        do_save_report(report, acting_user=None, values=[LineInput(line.key, 1.0, "test")])
        value = Value.objects.filter(report=report).first()
    kwargs: dict = {}
    if "<int:pk>" in route or "(?P<pk>" in route:
        head = route.split("<int:pk>")[0].split("(?P<pk>")[0].rstrip("^/")
        if head.endswith("indicators"):
            kwargs["pk"] = Indicator.objects.filter(plan=plan).first().pk
        elif head.endswith("rounds"):
            kwargs["pk"] = Round.objects.get(plan=plan, year=2024).pk
        elif head.endswith("reports"):
            kwargs["pk"] = report.pk
        elif head.endswith("values"):
            kwargs["pk"] = value.pk
        elif head.endswith("revisions"):
            kwargs["pk"] = sample_revision(plan, report_unit).pk
        else:
            kwargs["pk"] = plan.pk
    return kwargs
