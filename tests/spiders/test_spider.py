"""The spider over simweb's real HTTP: what it fetches, what it keeps, what it records."""

from __future__ import annotations

import io

import pytest

from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions, crawl_site
from archive.registry import sites_from_rows
from tests.simweb_helpers import FAST, plan_urls, site_of_family


def crawl(simweb, store, family: str, **options):
    site = site_of_family(simweb, family)
    result = crawl_site(site, store, "20260101T000000Z-test", CrawlOptions(mode="backfill", settings=FAST, **options))
    captures = list(read_captures(io.BytesIO(store.get(result.warc_key))))
    return site, result, captures


@pytest.mark.parametrize("family", ["trs", "hanweb"])
def test_backfill_fetches_every_plan_and_no_other_detail_page(simweb, local_store, family):
    site, result, captures = crawl(simweb, local_store, family)
    fetched = {c.url for c in captures if c.kind == "detail" and c.status == 200}
    assert fetched == plan_urls(simweb, site.id)
    assert result.summary.skipped.get("not_a_work_plan", 0) > 0
    assert result.summary.counts["list_pages"] > 1  # paged past the first list page
    # What health compares: each column's first page of entries, the same however deep the crawl went.
    assert set(result.summary.first_page_entries) == {c.name for c in site.columns}
    assert all(n > 0 for n in result.summary.first_page_entries.values())
    assert result.summary.stats["downloader/request_count"] >= len(fetched)


def test_hanweb_pages_through_dataproxy(simweb, local_store):
    _, _, captures = crawl(simweb, local_store, "hanweb")
    list_urls = [c.url for c in captures if c.kind == "list"]
    assert any("dataproxy.jsp" in url and "page=2" in url for url in list_urls)


def test_trs_follows_create_page_html(simweb, local_store):
    _, _, captures = crawl(simweb, local_store, "trs")
    assert any(c.url.endswith("index_1.html") for c in captures if c.kind == "list")


def test_warc_records_every_exchange_with_robots_first(simweb, local_store):
    site, result, captures = crawl(simweb, local_store, "trs")
    assert captures[0].url.endswith("/robots.txt")
    assert captures[0].kind == "robots"
    assert all(c.meta.site == site.id for c in captures)
    assert result.summary.counts["responses"] == len(captures)
    # TRS pages are GBK: the WARC keeps the bytes as served, not re-encoded.
    detail = next(c for c in captures if c.kind == "detail")
    detail.body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        detail.body.decode("utf-8")


def test_robots_txt_is_obeyed(simweb, local_store):
    disallowed = [t for t in simweb.truth() if t["robots_disallowed"]]
    assert disallowed, "simweb should disallow a column somewhere"
    site = next(s for s in sites_from_rows(simweb.registry_rows()) if s.id == disallowed[0]["site_id"])
    result = crawl_site(site, local_store, "20260101T000000Z-robots", CrawlOptions(mode="backfill", settings=FAST))
    captures = list(read_captures(io.BytesIO(local_store.get(result.warc_key))))
    fetched = {c.url for c in captures}
    assert not fetched & {t["url"] for t in disallowed}
    assert result.summary.errors.get("robots_disallowed", 0) > 0
    samples = result.summary.error_samples["robots_disallowed"]
    assert samples and set(samples) <= {t["url"] for t in disallowed} | {c.url for c in site.columns}


def test_user_agent_names_the_project(simweb, local_store):
    from warcio.archiveiterator import ArchiveIterator

    _, result, _ = crawl(simweb, local_store, "hanweb", max_pages=1)
    requests = [r for r in ArchiveIterator(io.BytesIO(local_store.get(result.warc_key))) if r.rec_type == "request"]
    assert requests
    assert all("wjw/" in r.http_headers.get_header("User-Agent") for r in requests)


def test_max_pages_and_until_bound_a_backfill(simweb, local_store):
    site, result, captures = crawl(simweb, local_store, "trs", max_pages=1)
    per_column = {c.meta.column for c in captures if c.kind == "list"}
    assert len([c for c in captures if c.kind == "list"]) == len(per_column)
    assert result.summary.skipped.get("beyond_max_pages", 0) >= 1

    until = "2018-12-31"
    _, result, captures = crawl(simweb, local_store, "trs", until=until)
    dates = [c.meta.date for c in captures if c.kind == "detail"]
    assert dates and all(d <= until for d in dates)


def test_robots_txt_holds_for_every_column_started_while_it_loads(simweb, local_store):
    # Scrapy hands no parser to the second and later requests that wait for
    # robots.txt; a site whose third column is disallowed must still not be fetched there.
    hidden_columns = [
        (site, column) for site in sites_from_rows(simweb.registry_rows())
        for index, column in enumerate(site.columns) if index >= 2 and not _robots_allow(simweb, column.url)
    ]
    assert hidden_columns, "simweb should disallow a third column somewhere"
    site, column = hidden_columns[0]
    result = crawl_site(site, local_store, "20260101T000000Z-race", CrawlOptions(mode="backfill", settings=FAST))
    fetched = {c.url for c in read_captures(io.BytesIO(local_store.get(result.warc_key)))}
    assert column.url not in fetched
    assert result.summary.errors.get("robots_disallowed", 0) >= 1


def _robots_allow(simweb, url: str) -> bool:
    import urllib.request
    from urllib.parse import urljoin

    from protego import Protego

    robots = urllib.request.urlopen(urljoin(url, "/robots.txt"), timeout=5).read().decode("utf-8", "replace")
    return Protego.parse(robots).can_fetch(url, "wjw")
