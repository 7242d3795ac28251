"""Browser rendering (spiders/render.py) against simweb, in the system's real Chromium.

The browser tests need Debian's chromium; `.ci/run` installs it and sets
WJW_REQUIRE_CHROMIUM, so under CI a missing browser fails instead of skipping.
"""

from __future__ import annotations

import dataclasses
import io
import socket
from collections import Counter
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from archive.run.browser import RenderUnavailable, find_chromium
from archive.run.captures import read_captures
from cli.main import app
from archive.run.crawl import CrawlError, CrawlOptions, crawl_site
from archive.corpus.manifest import read_manifest
from archive.run.pipeline import run_pipeline
from archive.registry import sites_from_rows
from spiders.render import _encode_dom, _is_file
from tests.simweb_helpers import CHROME, FAST, plan_urls

RENDER = CrawlOptions(mode="nightly", settings=(*FAST, ("WJW_RENDER_SETTLE_S", 3.0)), render=True)
PLAIN = CrawlOptions(mode="nightly", settings=FAST)


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    """A machine without a browser: nothing on PATH, no WJW_CHROMIUM."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.delenv("WJW_CHROMIUM", raising=False)


def statuses(store, run_id: str, kind: str) -> Counter:
    """The statuses of a run's captures of one kind (list, detail, attachment)."""
    (warc,) = [key for key in store.list("warc/") if run_id in key]
    return Counter(c.status for c in read_captures(io.BytesIO(store.get(warc))) if c.kind == kind)


def sim_site(simweb, site_id: str):
    return next(s for s in sites_from_rows(simweb.registry_rows()) if s.id == site_id)


@contextmanager
def on_day(simweb, day: int):
    """Serve another simulated day for the length of a with-block, then day 0 again."""
    simweb.set_day(day)
    try:
        yield
    finally:
        simweb.set_day(0)


def test_simweb_marks_its_challenged_sites_for_rendering(simweb):
    rendered = {s.id for s in sites_from_rows(simweb.registry_rows()) if s.render}
    assert rendered == {"sim-nhc", "sim-hf-wjw"}


def test_missing_chromium_says_how_to_install_it(no_chromium, monkeypatch, tmp_path):
    with pytest.raises(RenderUnavailable, match="apt-get install chromium"):
        find_chromium()
    monkeypatch.setenv("WJW_CHROMIUM", str(tmp_path / "nowhere" / "chrome"))
    with pytest.raises(RenderUnavailable, match="WJW_CHROMIUM=.*nowhere/chrome is not an executable"):
        find_chromium()


def test_a_render_crawl_without_chromium_fails_naming_the_site_and_stores_nothing(simweb, local_store, no_chromium):
    site = sim_site(simweb, "sim-hf-wjw")
    with pytest.raises(CrawlError, match=r"site sim-hf-wjw: browser rendering needs Chromium.*apt-get install chromium"):
        crawl_site(site, local_store, "20260101T000000Z-nochrome", RENDER)
    assert list(local_store.list("")) == []
    # Without --render the same site is crawled plainly: no browser needed.
    assert crawl_site(site, local_store, "20260101T000000Z-plain", PLAIN).summary.counts["detail_pages"] > 0


def test_demo_with_render_and_no_chromium_stops_before_crawling(tmp_path, no_chromium):
    store = tmp_path / "store"
    result = CliRunner().invoke(app, ["demo", "--render", "--port", "0", "--store", str(store),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "sim-hf-wjw" in result.output and "apt-get install chromium" in result.output
    assert not any(p.is_file() for p in store.rglob("*"))


def test_the_dom_keeps_the_charset_the_page_was_read_in():
    body, codec = _encode_dom("<meta charset=gbk><p>卫生健康工作要点 🙂</p>", "GBK")
    assert codec == "gbk"
    assert body.decode("gbk") == "<meta charset=gbk><p>卫生健康工作要点 &#128578;</p>"
    assert _encode_dom("<p>要点</p>", "no-such-charset") == ("<p>要点</p>".encode(), "utf-8")


def test_a_file_served_as_html_is_kept_as_a_file():
    assert _is_file(b"%PDF-1.7\n%\xe2\xe3")
    assert _is_file(b"PK\x03\x04\x14\x00")
    assert _is_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00")
    assert not _is_file("<!DOCTYPE html><html><head><title>工作要点</title>".encode())


def test_rendering_clears_the_jiasule_challenge_and_stores_the_pages_behind_it(simweb, local_store, chromium):
    site = sim_site(simweb, "sim-hf-wjw")
    with on_day(simweb, 2):
        expected = plan_urls(simweb, site.id)
        plain = run_pipeline(local_store, [site], PLAIN).sites[0]
        assert plain.errors.get("blocked_by_waf") and plain.new == 0
        assert list(local_store.list("docs/")) == []

        first = run_pipeline(local_store, [site], RENDER)
        again = run_pipeline(local_store, [site], RENDER)
        truth = {t["url"]: t for t in simweb.truth()}
    report = first.sites[0]
    assert not report.errors and report.new == len(expected)
    assert plain.browser_requests == 0 and report.browser_requests >= report.pages_fetched  # robots.txt included
    records = [line["record"] for line in read_manifest(local_store)]
    assert {r["source_url"] for r in records} == expected
    for record in records:
        text = local_store.get(record["text_key"]).decode("utf-8")
        assert record["title"] == truth[record["source_url"]]["title"]
        assert not [c for c in CHROME if c in text] and "__jsl_clearance" not in text
    # The repeated nightly asks again with validators and is answered 304: nothing new, no page in full.
    assert again.sites[0].new == 0 and again.sites[0].changed == 0 and not again.sites[0].errors
    assert set(statuses(local_store, again.run_id, "detail")) == {304}
    (warc,) = [key for key in local_store.list("warc/") if first.run_id in key]
    stored = list(read_captures(io.BytesIO(local_store.get(warc))))
    kinds = Counter((c.kind, c.status, c.meta.rendered) for c in stored)
    assert kinds[("detail", 200, "dom")] == len(expected)
    assert not [c for c in stored if c.status in (412, 521)]
    assert {c.meta.rendered for c in stored if c.kind == "attachment"} <= {"raw"}


def test_rendered_pages_give_the_same_records_as_plain_ones(simweb, tmp_path, chromium):
    """A GBK site crawled both ways: the same texts and metadata, and the same 304s on the repeat."""
    from archive.store import open_store

    site = dataclasses.replace(sim_site(simweb, "sim-hb-wjw"), render=True)
    results = {}
    for name, options in (("plain", PLAIN), ("rendered", RENDER)):
        store = open_store(str(tmp_path / name))
        run_pipeline(store, [site], options)
        repeat = run_pipeline(store, [site], options)
        records = {line["record"]["source_url"]: line["record"] for line in read_manifest(store)}
        texts = {url: store.get(r["text_key"]) for url, r in records.items()}
        counts = repeat.sites[0]
        results[name] = (records, texts, (counts.new, counts.changed, counts.unchanged, counts.errors,
                                          statuses(store, repeat.run_id, "detail")))
    plain, rendered = results["plain"], results["rendered"]
    assert rendered[1] == plain[1]
    fields = ("title", "published", "written", "doc_number", "index_number", "agency", "plan_year", "encoding",
              "text_source", "doc_type")
    for url, record in plain[0].items():
        assert {f: rendered[0][url][f] for f in fields} == {f: record[f] for f in fields}, url
    assert rendered[2] == plain[2]


def test_a_challenge_that_never_clears_is_counted_as_blocked(simweb, local_store, chromium):
    site = sim_site(simweb, "sim-nhc")
    with on_day(simweb, 1):
        report = run_pipeline(local_store, [site], RENDER).sites[0]
    assert report.errors.get("blocked_by_waf") and report.new == 0
    assert list(local_store.list("docs/")) == []


def test_rendered_bodies_over_the_size_limit_are_refused(simweb, local_store, chromium):
    site = dataclasses.replace(sim_site(simweb, "sim-hb-wjw"), render=True)
    small = dataclasses.replace(RENDER, settings=(*RENDER.settings, ("DOWNLOAD_MAXSIZE", 2048),
                                                  ("DOWNLOAD_WARNSIZE", 1024)))
    report = run_pipeline(local_store, [site], small).sites[0]
    assert report.errors.get("oversize") and report.new == 0


def test_robots_txt_is_read_through_the_browser_and_obeyed(simweb, local_store, chromium):
    disallowed = [t for t in simweb.truth() if t["robots_disallowed"]]
    site = dataclasses.replace(sim_site(simweb, disallowed[0]["site_id"]), render=True)
    result = crawl_site(site, local_store, "20260101T000000Z-robots", RENDER)
    stored = list(read_captures(io.BytesIO(local_store.get(result.warc_key))))
    assert [c.meta.rendered for c in stored if c.kind == "robots"] == ["raw"]
    assert not {c.url for c in stored} & {t["url"] for t in disallowed}
    assert result.summary.errors.get("robots_disallowed", 0) > 0


@pytest.fixture
def refusing_site(simweb):
    """A registry row whose host refuses every connection (a port nothing listens on)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    row = next(r for r in simweb.registry_rows() if r["id"] == "sim-hb-wjw")
    row = row | {"id": "sim-refusing", "base_url": base, "render": True,
                 "columns": [{"name": "通知公告", "url": base + "tzgg/index.html"}]}
    return sites_from_rows([row])[0]


def test_a_refused_connection_is_named_so_in_a_plain_crawl(refusing_site, local_store):
    result = crawl_site(refusing_site, local_store, "20260101T000000Z-refused", PLAIN)
    assert set(result.summary.errors) == {"connection_refused"}


def test_a_refused_connection_is_named_so_behind_the_browser(refusing_site, local_store, chromium):
    """The browser's own error says only that navigation failed; the report names the fetch behind it."""
    rendered = crawl_site(refusing_site, local_store, "20260101T000000Z-refused", RENDER).summary
    plain = crawl_site(refusing_site, local_store, "20260101T000000Z-refused-plain", PLAIN).summary
    assert set(rendered.errors) == {"connection_refused"}
    # Retried as a plain crawl retries (robots.txt and the list page, each tried three times).
    assert rendered.counts["requests"] == rendered.counts["browser_requests"] == plain.counts["requests"]
