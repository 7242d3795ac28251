"""`wjw serve`: the corpus in a real browser (Chromium through Playwright), list → filter → document → diff."""

from __future__ import annotations


import pytest
from starlette.testclient import TestClient

from archive.corpus.manifest import write_manifest
from archive.corpus.web import create_app
from tests.corpus.test_export import corpus  # noqa: F401  (the fixture)
from tests.corpus.test_history import edited
from tests.dedup.test_dedup import PROVINCE, ingest
from testkit.webview import browser_page, served


@pytest.fixture
def edited_corpus(corpus, tmp_path):  # noqa: F811
    """The export fixture's corpus after a second run that edited Zhejiang's 2024 plan."""
    ingest(corpus, [(PROVINCE, edited())], segment="run-2")
    write_manifest(corpus, "run-2")
    return corpus


def test_list_filter_document_diff_in_chromium(edited_corpus, chromium, tmp_path):
    app = create_app(edited_corpus, tmp_path / "index.sqlite")
    with served(app) as base, browser_page(chromium) as page:
        page.goto(base + "/")
        assert page.locator("#count").inner_text() == "3 document(s)"
        assert page.locator("#results tr.doc").count() == 3
        page.select_option("select[name=province]", "浙江省")
        page.fill("input[name=q]", "工作要点")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**/?q=*")
        assert page.locator("#count").inner_text() == "2 document(s) contain “工作要点”"
        titles = page.locator("#results tr.doc a").all_inner_texts()
        assert titles == ["2024年全省卫生健康工作要点", "2023年全省卫生健康工作要点"]
        page.click("text=2024年全省卫生健康工作要点")
        assert page.locator("#title").inner_text() == "2024年全省卫生健康工作要点"
        metadata = page.locator("#metadata").inner_text()
        assert "浙江省卫生健康委员会" in metadata and "live" in metadata and "http" in metadata
        changes = page.locator("#versions td:nth-child(4)").all_inner_texts()
        assert changes[0] == "first" and "text" in changes  # the edit, beside the relinking of its copies
        assert "主题行动" in page.locator("#text").inner_text()
        page.locator("#versions tr", has=page.locator("td:nth-child(4)", has_text="text")).locator("a.diff-link").click()
        page.wait_for_url("**from=*")
        diff = page.locator("table.diff")
        assert diff.count() == 1
        old, new = diff.locator("td:has(.diff_chg)").all_inner_texts()[:2]
        assert "主题活动" in old and "主题行动" in new


def test_pages_answer_and_bad_input_gets_a_message(edited_corpus, tmp_path):
    client = TestClient(create_app(edited_corpus, tmp_path / "index.sqlite"))
    corpus_page = client.get("/corpus")
    assert corpus_page.status_code == 200 and "<svg" in corpus_page.text and "浙江省" in corpus_page.text
    assert client.get("/gaps").status_code == 200
    missing = client.get("/doc/no-such-doc")
    assert missing.status_code == 404 and "no-such-doc" in missing.text
    assert client.get("/?status=gone").status_code == 400
    assert client.post("/").status_code == 405  # read-only
