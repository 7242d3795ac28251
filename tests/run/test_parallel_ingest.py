"""Ingest in worker processes stores exactly what the serial ingest stores.

The same crawls (simweb's sites whose plans are republished by one another,
so near-duplicate decisions cross sites) are ingested into two copies of one
store, once with one process and once with three reading ahead; over a first
night and a second one that brings simweb's edits, every record, text, blob,
index segment, state, manifest and run report must agree, apart from the
clock's times.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil

import pytest

from archive.records import SiteReport
from archive.registry import sites_from_rows
from archive.run.crawl import CrawlOptions
from archive.run.pipeline import LeaseBook, archive_crawls, crawl_sites, new_run_id
from archive.store import LocalStore
from archive.store.keys import LATEST_MANIFEST
from tests.simweb_helpers import FAST

NIGHTLY = CrawlOptions(mode="nightly", settings=FAST)
SITES = 6
# What the clock, not the ingest, decides.
_CLOCK = {"started_at", "finished_at", "updated_at", "seconds", "modified", "written_at", "generated_at",
          "expires", "scrapy_stats", "store"}
# A local version id: its time, and the hash of content that may itself hold version ids (a manifest).
_VERSION = re.compile(r"\b\d{19}-[0-9a-f]{64}\b")


@pytest.fixture(scope="module")
def duplicated_sites(simweb):
    """Sites sharing duplicate groups (a province's plan republished by its city and an aggregator)."""
    truth = simweb.truth()
    hidden = {t["site_id"] for t in truth if t["robots_disallowed"]}
    groups: dict[str, set[str]] = {}
    for t in truth:
        if t["is_plan"] and t.get("duplicate_group") and t["site_id"] not in hidden:
            groups.setdefault(t["duplicate_group"], set()).add(t["site_id"])
    wanted: list[str] = []
    for members in groups.values():  # whole groups, so copies and their sources are ingested together
        if len(members) > 1 and len(wanted) < SITES:
            wanted += sorted(members - set(wanted))
    if len(wanted) < 3:
        pytest.skip("simweb names too few sites with duplicate groups")
    by_id = {s.id: s for s in sites_from_rows(simweb.registry_rows())}
    return [by_id[s] for s in wanted]


def crawl(store: LocalStore, sites, run_id: str):
    """Crawl the sites into `store` and hand their leases back, so either copy's ingest takes them afresh."""
    leases = LeaseBook(store, run_id)
    crawls = crawl_sites(sites, store, run_id, NIGHTLY, workers=2, leases=leases)
    for site in sites:
        leases.give_back(site.id)
    assert not [c for c in crawls if isinstance(c, SiteReport) or c is None], crawls
    return crawls


def copy_new_objects(source: LocalStore, target: LocalStore, prefixes: tuple[str, ...]) -> None:
    """What the crawl wrote to `source` (WARCs, logs), put into `target` as well."""
    for prefix in prefixes:
        for key in source.list(prefix):
            if not target.exists(key):
                target.put(key, source.get(key))


def scrub(value):
    """A stored JSON value without the clock's times and version ids (their content is compared key by key)."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in _CLOCK}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return _VERSION.sub("<version>", value)
    return value


def contents(store: LocalStore) -> dict[str, list]:
    """Every key's versions, oldest first, as comparable content."""
    held = {}
    for key in store.list(""):
        if key.startswith(("leases/", "warc/", "runs/")) and not key.endswith("report.json"):
            continue  # leases carry hosts and expiries; WARCs and logs were copied, not made by ingest
        versions = []
        for version in sorted(store.versions(key), key=lambda v: v.version_id):
            data = store.get(key, version.version_id)
            if key.endswith(".gz"):
                data = gzip.decompress(data)
            if key.endswith((".json", ".jsonl", ".jsonl.gz")):
                lines = data.decode("utf-8").splitlines() if ".jsonl" in key else [data.decode("utf-8")]
                rows = [scrub(json.loads(line)) for line in lines if line.strip()]
                if key == LATEST_MANIFEST:  # its sha256 is of a manifest naming version ids
                    rows = [{k: v for k, v in row.items() if k != "sha256"} for row in rows]
                versions.append(rows)
            else:
                versions.append(data)
        held[key] = versions
    return held


def test_parallel_ingest_stores_what_the_serial_ingest_stores(simweb, duplicated_sites, tmp_path):
    serial, parallel = LocalStore(tmp_path / "serial"), LocalStore(tmp_path / "parallel")
    nights = []
    for day in (0, 1):
        simweb.set_day(day)
        try:
            run_id = new_run_id()
            crawls = crawl(serial, duplicated_sites, run_id)
        finally:
            simweb.set_day(0)
        copy_new_objects(serial, parallel, ("warc/", "runs/"))
        one = archive_crawls(serial, duplicated_sites, crawls, run_id, "nightly", workers=1)
        three = archive_crawls(parallel, duplicated_sites, crawls, run_id, "nightly", workers=3)
        assert not [s for s in one.sites if s.failed]
        assert scrub(one.to_dict()) == scrub(three.to_dict())
        nights.append(one)
    assert nights[0].total("new") > 0 and nights[1].total("changed") + nights[1].total("relinked") > 0
    assert sum(s.duplicates for s in nights[0].sites) > 0, "no near-duplicate crossed sites: the test proves too little"
    want, got = contents(serial), contents(parallel)
    assert sorted(got) == sorted(want)
    assert [(key, got[key], want[key]) for key in sorted(want) if got[key] != want[key]] == []
    shutil.rmtree(tmp_path, ignore_errors=True)
