"""Test data of the review module: a small document with one finding of each kind.

Used by this app's tests and by ``tests/test_permission_matrix.py`` (a document inside
each persona's units).
"""

from __future__ import annotations

from kechuang.apps.accounts.models import OrgUnit

#: a short text with a suspected finding (专栏: five enterprises named) and a violation
SAMPLE_TEXT = (
    "乌海市科技创新若干措施\n"
    "一、支持企业研发\n"
    "对新认定的国家高新技术企业一次性给予10万元奖励。\n"
    "专栏1 重点任务\n"
    "重点支持内蒙古君正化工、三维新材料、华恒能源科技、东景生物环保科技、乌海市广锦新材料等可降解塑料产业项目技术研发应用示范。\n"
    "二、政府采购\n"
    "政府采购项目优先采购本地企业生产的产品，外地企业不得参与本市政府投资项目投标。\n"
)


def sample_document(unit: OrgUnit, title: str = "乌海市科技创新若干措施（示例）"):
    """The sample document of a unit, created (through the action) on first use."""
    from .actions import do_create_document
    from .models import Document

    existing = Document.objects.filter(org_unit=unit, title=title).first()
    if existing is not None:
        return existing
    return do_create_document(acting_user=None, title=title, number="乌科发〔2025〕1号", org_unit=unit,
                              text=SAMPLE_TEXT)
