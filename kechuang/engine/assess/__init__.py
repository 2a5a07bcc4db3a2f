"""Assessments of enterprises against the national rules: 高新技术企业 (high-tech
enterprise), 科技型中小企业 (tech-based SME), 三清零 (three zeros) and the ladder stage,
with the high-tech candidate pool. How each is computed, and the readings taken where
the rules leave room: ``docs/assessments.md``.

Two modes over the same rule code: :func:`assess` runs every rule over a whole panel
(columnar NumPy; the batch), :func:`explain` runs it for one entity and returns a
step-by-step trace in Chinese. The tests check that the two agree on random data.

>>> from kechuang.engine.exchange import exchange_from_rows
>>> rows = [{"uscc": "91350200776049653A", "year": y, "registered_on": "2015-03-01",
...          "employees": 100, "tech_staff": 9, "sales_revenue": 40_000_000, "rd_expense": 3_000_000,
...          "total_cost_expense": 40_000_000, "total_assets": 60_000_000, "ip_class1": 1,
...          "ip_class2": 0, "major_incident": False} for y in (2022, 2023, 2024)]
>>> table = exchange_from_rows(rows)
>>> result = assess(table, 2025)
>>> result.record(0)["tsme"]        # 80 points, but the tech-staff score is 0: vetoed
{'eligible': False, 'score': 80, 'direct': False, 'size_ok': True, 'parts': {'staff': 0, 'rd': 50, 'ip': 30}}
>>> print(explain(table, "91350200776049653A", 2025).step("tsme.score_pass").text)
综合评价：80 分；要求不低于 60 分且科技人员指标不为 0 分 → 不符合
"""

from kechuang.engine.assess.bench import bench_assess
from kechuang.engine.assess.explain import Explanation, Step, explain, explain_index
from kechuang.engine.assess.hte import CONDITIONS as HTE_CONDITIONS
from kechuang.engine.assess.ladder import STAGES
from kechuang.engine.assess.options import AssessOptions, CandidateCriteria, LadderCriteria
from kechuang.engine.assess.panel import Panel, build_panel, default_application_date
from kechuang.engine.assess.pool import hte_candidates
from kechuang.engine.assess.run import BENCH_KEYS, Assessment, assess, assess_file, assess_panel
from kechuang.engine.assess.staff import annual_average_staff

__all__ = [
    "BENCH_KEYS",
    "HTE_CONDITIONS",
    "STAGES",
    "AssessOptions",
    "Assessment",
    "CandidateCriteria",
    "Explanation",
    "LadderCriteria",
    "Panel",
    "Step",
    "annual_average_staff",
    "assess",
    "assess_file",
    "assess_panel",
    "bench_assess",
    "build_panel",
    "default_application_date",
    "explain",
    "explain_index",
    "hte_candidates",
]
