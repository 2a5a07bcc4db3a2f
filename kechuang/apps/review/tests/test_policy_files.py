"""The review of the policies module's live policy files: the page for bureau officers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kechuang.apps.policies import live

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[4]
FIXTURE = REPO / "tests" / "data" / "review" / "policies" / "wuhai_named_support_2026.yaml"


@pytest.fixture
def policy_dir(tmp_path, settings):
    """The shipped policy files plus a fixture whose first benefit names an enterprise."""
    folder = tmp_path / "policies"
    shutil.copytree(REPO / "data" / "policies", folder)
    shutil.copy(FIXTURE, folder / FIXTURE.name)
    settings.POLICIES_DIR = str(folder)
    live.clear_cache()
    yield folder
    live.clear_cache()


def test_an_officer_sees_the_findings_of_every_live_policy_file(people, login, policy_dir):
    response = login(people.officer_wuhai).get("/review/policy-files/")
    assert response.status_code == 200
    reviews = {r.code: r for r in response.context["reviews"]}
    shipped = {p.stem for p in (REPO / "data" / "policies").glob("*.yaml")}
    assert set(reviews) == shipped | {"wuhai_named_support_2026"}
    assert all(not reviews[code].findings for code in shipped)  # the shipped files name no operator
    named = reviews["wuhai_named_support_2026"]
    assert {(f.article, f.item, f.level) for f in named.findings} == {("第十条", "（二）", "violation")}
    refs = {f.location.ref.split("#")[1]: f for f in named.findings}
    assert set(refs) == {"benefits.junzheng_rd_grant.label", "benefits.junzheng_rd_grant.quote",
                         "benefits.junzheng_rd_grant.when"}  # the open benefit gives nothing
    by_code = refs["benefits.junzheng_rd_grant.when"]
    when_line = FIXTURE.read_text(encoding="utf-8").splitlines().index('    when: uscc == "91150300MA0Q7K3X11"') + 1
    assert by_code.evidence.operators == ("91150300MA0Q7K3X11",) and by_code.location.line == when_line
    assert refs["benefits.junzheng_rd_grant.quote"].evidence.operators == ("内蒙古君正化工有限责任公司",)
    page = response.content.decode()
    assert "91150300MA0Q7K3X11" in page and "乌海市支持重点企业研发若干措施（测试用）" in page
    assert response.context["counted"] == 3


def test_the_document_list_links_to_the_policy_files_page(people, login):
    page = login(people.officer_hohhot).get("/review/").content.decode()
    assert 'href="/review/policy-files/"' in page


@pytest.mark.parametrize("persona", ["reporter_haibowan", "enterprise", "expert"])
def test_who_cannot_view_reviews_cannot_open_the_policy_files_page(people, login, persona, policy_dir):
    assert login(getattr(people, persona)).get("/review/policy-files/").status_code == 403
