"""The fair competition review in a real browser: a bureau officer pastes a document, sees
the flagged clauses highlighted beside the findings, dismisses one with a reason, and
downloads the review opinion as .docx."""

from __future__ import annotations

import io

import pytest

from tests.browsing import log_in, submit_main_form

pytestmark = pytest.mark.browser

NAMED = ("重点支持内蒙古君正化工、三维新材料、华恒能源科技、东景生物环保科技、乌海市广锦新材料等可降解塑料产业项目"
         "技术研发应用示范。")
LOCAL_BIDDING = "政府采购项目优先采购本地企业生产的产品，外地企业不得参与本市政府投资项目投标。"
TEXT = "\n".join(["乌海市可降解材料产业若干措施", "一、支持企业研发", "对新认定的国家高新技术企业一次性给予10万元奖励。",
                  "专栏1 重点任务", NAMED, "二、政府采购", LOCAL_BIDDING])


def test_an_officer_pastes_a_document_dismisses_a_finding_and_downloads_the_opinion(page, site):
    from docx import Document as WordDocument

    log_in(page, site, "officer_wuhai")
    page.goto(site("/review/"))
    with page.expect_navigation():
        page.locator("main a[href='/review/new/']").click()  # “New” (新增)
    page.fill("#id_title", "乌海市可降解材料产业若干措施")
    page.fill("#id_number", "乌科发〔2026〕7号")
    page.select_option("#id_org_unit", str(site.unit("150300D001").pk))
    page.fill("#id_text", TEXT)
    submit_main_form(page)
    assert "/review/" in page.url and page.url.rstrip("/").split("/")[-1].isdigit(), page.url

    # side by side: the text on the left with the flagged clauses highlighted, the findings on the right
    text_pane, findings_pane = page.get_by_test_id("document-text"), page.get_by_test_id("findings")
    assert text_pane.bounding_box()["x"] + text_pane.bounding_box()["width"] <= findings_pane.bounding_box()["x"] + 1
    assert page.locator("mark.kc-level-suspect").inner_text() == NAMED
    assert LOCAL_BIDDING in page.locator("mark.kc-level-violation").all_inner_texts()
    assert "对新认定的国家高新技术企业" not in " ".join(page.locator("mark").all_inner_texts())
    cards = page.get_by_test_id("finding")
    articles = [a.strip() for a in page.get_by_test_id("finding-article").all_inner_texts()]
    assert any("第十条（二）" in a for a in articles) and any("第九条" in a for a in articles)
    # a highlighted clause links to its finding
    suspect = cards.filter(has_text="第十条（二）").first
    suspect_id = suspect.get_attribute("id")
    assert page.locator(f"mark.kc-level-suspect + sup a[href='#{suspect_id}']").count() == 1
    assert "内蒙古君正化工" in suspect.inner_text()

    # dismiss the 专栏 finding with a reason
    reason = "专栏所列企业为示范项目承担单位，经核实未给予资金支持。"
    suspect.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        suspect.get_by_role("button", name="排除").click()  # “Dismiss”
    decided = page.locator(f"#{suspect_id}").get_by_test_id("decision")
    assert reason in decided.inner_text() and "排除" in decided.inner_text()

    # the opinion as .docx: the dismissal and its reason are in it
    with page.expect_download() as download_info:
        page.get_by_test_id("opinion-docx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    opinion = WordDocument(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.text for p in opinion.paragraphs)
    assert "关于《乌海市可降解材料产业若干措施》的公平竞争审查意见" in text
    assert reason in text and "第九条" in text
