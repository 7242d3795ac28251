"""Deletions are data: a document taken down is marked removed once revisits confirm it; one bad night is not enough."""

from __future__ import annotations

import json

import pytest

from archive.records import Document
from archive.registry import sites_from_rows
from archive.run.crawl import CrawlOptions
from archive.run.ingest import doc_id_for
from archive.run.pipeline import run_pipeline
from archive.store.keys import doc_key
from tests.simweb_helpers import FAST

NIGHTLY = CrawlOptions(mode="nightly", settings=FAST)
# simweb's calendar takes one document of each down on day 1: one answers 404, one a 200 已删除 page.
SITES = ("sim-jm-wjw", "sim-sz-wjw")


def _removed_docs(simweb) -> dict[str, str]:
    """doc id → how simweb takes it down, for the documents removed on day 1 that the archive keeps."""
    urls = simweb.base_urls()
    out = {}
    for doc in simweb.world.documents:
        if doc.site_id in SITES and doc.removed and doc.removed[0] == 1:
            out[doc_id_for(doc.site_id, urls[doc.site_id].rstrip("/") + doc.path)] = doc.removed[1]
    return out


@pytest.fixture
def nights(simweb, local_store, monkeypatch):
    monkeypatch.setenv("WJW_REMOVAL_NIGHTS", "2")
    sites = [s for s in sites_from_rows(simweb.registry_rows()) if s.id in SITES]
    reports = []

    def night(day: int):
        simweb.set_day(day)
        reports.append(run_pipeline(local_store, sites, NIGHTLY))
        return reports[-1]

    yield night
    simweb.set_day(0)


def _record(store, doc_id: str) -> Document | None:
    try:
        return Document.from_dict(json.loads(store.get(doc_key(doc_id))))
    except Exception:  # noqa: BLE001 - not archived (not a plan)
        return None


def test_a_removal_is_confirmed_on_the_second_night_gone_and_keeps_its_copy(nights, simweb, local_store):
    nights(0)
    removed = {d: how for d, how in _removed_docs(simweb).items() if _record(local_store, d)}
    assert removed, "simweb removes archived documents of these sites on day 1"
    first = nights(1)
    # One night gone is not a removal: it might come back.
    assert all(_record(local_store, d).status == "live" for d in removed)
    assert first.total("removed") == 0
    second = nights(2)
    for doc_id in removed:
        record = _record(local_store, doc_id)
        assert record.status == "removed", doc_id
        # Removed as of the first night it was found gone, and its text is still there.
        assert record.removed_at and first.started_at[:10] <= record.removed_at[:10] <= second.started_at[:10]
        assert local_store.exists(record.text_key)
        assert len(local_store.versions(doc_key(doc_id))) >= 2
    assert sorted(i for s in second.sites for i in s.removed_ids) == sorted(removed)
    # Nothing else was taken for removed.
    gone = [k[5:-5] for k in local_store.list("docs/") if _record(local_store, k[5:-5]).status == "removed"]
    assert sorted(gone) == sorted(removed)
