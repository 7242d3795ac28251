"""Deletions are data: a document taken down is marked removed once revisits confirm it, with the day it was
first found gone; a passing 404 or 5xx, or a document that only left its list, removes nothing; a document
served again is live again, both events in its history."""

from __future__ import annotations

import json

import pytest

from archive.records import Document
from archive.registry import sites_from_rows
from archive.run.crawl import CrawlOptions
from archive.run.ingest import doc_id_for, removal_nights
from archive.run.pipeline import run_pipeline
from archive.store.keys import doc_key
from simweb.removals import expected_removal, removal_truth, served_again
from tests.simweb_helpers import FAST

NIGHTLY = CrawlOptions(mode="nightly", settings=FAST)
# Two sites (Hanweb, VSB) on which simweb's truth has every kind: 404, 410, notice, unlisted then gone,
# taken down and back, transient 404/5xx, delisted but served.
SITES = ("sim-js-wjw", "sim-xj-wjw")
# Removals on days 1-3 are confirmed over three nights by day 5; the comebacks return on day 4.
DAYS = [0, 1, 2, 3, 4, 5]


def _record(store, doc_id: str, version_id: str | None = None) -> Document | None:
    try:
        return Document.from_dict(json.loads(store.get(doc_key(doc_id), version_id)))
    except Exception:  # noqa: BLE001 - not archived (its day-0 fetch failed, or not a plan)
        return None


def _history(store, doc_id: str) -> list[Document]:
    """Every version of a record, oldest first."""
    return [_record(store, doc_id, v.version_id) for v in reversed(store.versions(doc_key(doc_id)))]


@pytest.fixture
def crawled(simweb, local_store):
    sites = [s for s in sites_from_rows(simweb.registry_rows()) if s.id in SITES]
    reports = []
    try:
        for day in DAYS:
            simweb.set_day(day)
            reports.append(run_pipeline(local_store, sites, NIGHTLY))
    finally:
        simweb.set_day(0)
    return reports


def test_removals_are_confirmed_dated_and_undone_as_the_truth_says(simweb, local_store, crawled):
    urls = simweb.base_urls()
    rows = [r for r in removal_truth(simweb.world) if r["site_id"] in SITES and r["is_plan"]]
    assert {r["kind"] for r in rows} >= {"404", "410", "page", "unlisted", "comeback", "transient", "delisted"}
    nights = removal_nights()
    checked = set()
    for row in rows:
        doc_id = doc_id_for(row["site_id"], urls[row["site_id"]].rstrip("/") + row["path"])
        final = _record(local_store, doc_id)
        if final is None:
            continue
        checked.add(row["kind"])
        history = _history(local_store, doc_id)
        gone_at = expected_removal(row, DAYS, nights)
        removals = [v for v in history if v.status == "removed"]
        if gone_at is None:
            assert not removals, (row["kind"], doc_id)  # a passing fault or a delisting removes nothing
            continue
        # Dated by the first night found gone, not the night that confirmed it.
        assert removals, (row["kind"], doc_id)
        removed = removals[0]
        assert crawled[gone_at].started_at[:19] <= removed.removed_at[:19] < crawled[gone_at + 1].started_at[:19], row
        assert removed.first_seen <= removed.last_seen < removed.removed_at
        assert local_store.exists(removed.text_key)  # the copy is kept
        assert doc_id in {i for s in crawled[gone_at + nights - 1].sites for i in s.removed_ids}
        if served_again(row, DAYS):
            assert final.status == "live" and final.removed_at is None, doc_id
            assert [v.status for v in history][-2:] == ["removed", "live"]
        else:
            assert final.status == "removed" and final.removed_at == removed.removed_at, doc_id
    assert checked >= {"404", "410", "page", "unlisted", "comeback", "transient", "delisted"}
