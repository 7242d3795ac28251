"""Capture metadata in both WARC layouts: warc-fields (replayable, written now) and the JSON of earlier WARCs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.dedup.index import DedupIndex
from archive.records import CaptureMeta, Document, SiteReport
from archive.registry import sites_from_rows
from archive.run.captures import (
    META_CONTENT_TYPE,
    capture_meta_block,
    read_capture_meta,
    read_captures,
    read_crawl_summary_file,
)
from archive.run.crawl import CrawlOptions, crawl_site
from archive.run.ingest import ingest_warc
from archive.run.recover import rebuild_state
from archive.store import open_store
from archive.store.keys import warc_key
from tests.simweb_helpers import FAST

# A WARC the spider wrote before replayable captures (tests/fixtures/warc/PROVENANCE.md).
JSON_LAYOUT = Path(__file__).parent.parent / "fixtures" / "warc" / "sim-hb-wjw-json-meta.warc.gz"
SITE_ID = "sim-hb-wjw"
RUN_ID = "20260101T000000Z-test"


def _metadata_types(data: bytes) -> set[str]:
    return {r.rec_headers.get_header("Content-Type") for r in ArchiveIterator(io.BytesIO(data))
            if r.rec_type == "metadata" and not r.rec_headers.get_header("WARC-Target-URI").startswith("urn:")}


def _documents(store) -> set[tuple]:
    records = [Document.from_dict(json.loads(store.get(key))) for key in store.list("docs/")]
    return {(d.title, d.text_sha256, d.doc_type, d.published, d.plan_year) for d in records}


@pytest.fixture(scope="module")
def site(simweb):
    return next(s for s in sites_from_rows(simweb.registry_rows()) if s.id == SITE_ID)


@pytest.fixture(scope="module")
def new_crawl(site, tmp_path_factory):
    """The fixture's crawl again, written now: a store holding its WARC, and the crawl's result."""
    store = open_store(str(tmp_path_factory.mktemp("new-layout")))
    return store, crawl_site(site, store, RUN_ID, CrawlOptions(mode="backfill", settings=FAST, max_pages=1))


def test_metadata_block_round_trips_awkward_titles():
    meta = CaptureMeta(site=SITE_ID, kind="detail", title="2024年\n工作要点:\u2028（征求意见稿）\r", title_cut=True,
                       listed="http://example.cn/a?b=c:d")
    block = capture_meta_block(meta)
    assert block.count(b"\n") == len(meta.to_dict())  # one line per field, whatever the title holds
    assert read_capture_meta(block, META_CONTENT_TYPE) == meta
    assert read_capture_meta(json.dumps(meta.to_dict()).encode(), "application/json") == meta


def test_a_torn_metadata_block_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        read_capture_meta(b'site: "x"\r\nthis is no field\r\n', META_CONTENT_TYPE)
    with pytest.raises(ValueError):
        read_capture_meta(b'site: "x"\r\nkind: detail\r\n', META_CONTENT_TYPE)  # a value that is not JSON


def test_both_layouts_ingest_to_the_same_documents(site, new_crawl, local_store):
    """The same crawl stored in the old layout and the new one gives the same documents."""
    new_store, new = new_crawl
    old_bytes = JSON_LAYOUT.read_bytes()
    assert _metadata_types(old_bytes) == {"application/json"}
    assert _metadata_types(new_store.get(new.warc_key)) == {META_CONTENT_TYPE}
    ingest_warc(new_store, site, new.warc_key, DedupIndex(), new_report := SiteReport(SITE_ID))

    local_store.put(warc_key(RUN_ID, SITE_ID), old_bytes)
    ingest_warc(local_store, site, warc_key(RUN_ID, SITE_ID), DedupIndex(), old_report := SiteReport(SITE_ID))

    assert old_report.new == new_report.new > 0
    assert old_report.detail_pages == new_report.detail_pages
    assert _documents(local_store) == _documents(new_store)


def test_old_layout_captures_keep_their_metadata():
    captures = list(read_captures(io.BytesIO(JSON_LAYOUT.read_bytes())))
    assert {c.kind for c in captures} == {"robots", "list", "detail"}
    details = [c for c in captures if c.kind == "detail"]
    assert details and all(c.meta.site == SITE_ID and c.meta.title and c.meta.listed for c in details)


def test_state_rebuild_reads_the_summary_of_either_layout(new_crawl, local_store, tmp_path):
    old = read_crawl_summary_file(JSON_LAYOUT)
    assert old is not None and old.site_id == SITE_ID and old.listed
    local_store.put(warc_key(RUN_ID, SITE_ID), JSON_LAYOUT.read_bytes())
    assert set(rebuild_state(local_store, SITE_ID).listed) == set(old.listed)

    new_store, new = new_crawl
    path = tmp_path / "new.warc.gz"
    new_store.get_to_file(new.warc_key, path)
    summary = read_crawl_summary_file(path)
    assert summary is not None and summary.site_id == SITE_ID and summary.listed
    local_store.put(warc_key("20260102T000000Z-test", SITE_ID), path.read_bytes())
    assert set(rebuild_state(local_store, SITE_ID).listed) == set(old.listed) | set(summary.listed)
