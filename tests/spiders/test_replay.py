"""A WARC the spider wrote, indexed by pywb's and cdxj-indexer's indexers, replays each detail page byte for byte."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from warcio.timeutils import iso_date_to_timestamp

from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions, crawl_site
from testkit.pywb import BIN, add_to_collection, read_cdxj, replay, wayback
from tests.simweb_helpers import FAST, site_of_family


@pytest.fixture(scope="module")
def capture(simweb, tmp_path_factory):
    """A TRS site's crawl: the WARC's local path and its captures."""
    from archive.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("store")))
    site = site_of_family(simweb, "trs")
    result = crawl_site(site, store, "20260101T000000Z-replay", CrawlOptions(mode="backfill", settings=FAST,
                                                                             max_pages=1))
    path = tmp_path_factory.mktemp("warc") / Path(result.warc_key).name
    store.get_to_file(result.warc_key, path)
    with path.open("rb") as stream:
        captures = list(read_captures(stream))
    return path, captures


@pytest.fixture(scope="module")
def collection(capture, tmp_path_factory) -> Path:
    """A pywb collection holding the WARC, added the way an archivist adds one; its root."""
    root = tmp_path_factory.mktemp("pywb")
    add_to_collection(root, [capture[0]])
    return root


def test_pywb_indexes_responses_only_under_page_urls(capture, collection):
    _, captures = capture
    index = read_cdxj((collection / "collections" / "wjw" / "indexes" / "index.cdxj").read_text("utf-8"))
    pages = [fields for key, fields in index if not key.startswith("urn:")]
    # Every entry under a page's URL is a response (metadata has no HTTP status), one per capture.
    assert all("status" in fields for fields in pages)
    assert Counter(f["url"] for f in pages) == Counter(c.url for c in captures)
    # The crawl summary stays indexed, under its own URN, beside no page.
    assert [key for key, _ in index if key.startswith("urn:wjw:crawl:")]


def test_cdxj_indexer_indexes_responses_only_under_page_urls(capture, tmp_path):
    path, captures = capture
    out = tmp_path / "index.cdxj"
    subprocess.run([str(BIN / "cdxj-indexer"), "-o", str(out), str(path)], check=True, capture_output=True,
                   timeout=120)
    pages = [fields for key, fields in read_cdxj(out.read_text("utf-8")) if not key.startswith("urn:")]
    assert all("status" in fields for fields in pages)
    assert Counter(f["url"] for f in pages) == Counter(c.url for c in captures)


def test_replay_serves_each_detail_page_as_captured(capture, collection):
    _, captures = capture
    details = [c for c in captures if c.kind == "detail" and c.status == 200]
    assert len(details) >= 5
    with wayback(collection) as base:
        for page in details:
            status, content_type, body = replay(base, iso_date_to_timestamp(page.fetched_at), page.url)
            assert (status, content_type) == (200, page.headers["content-type"]), page.url
            assert body == page.body, page.url
