"""The whole pipeline over simweb, on the local store and on S3 (SeaweedFS)."""

from __future__ import annotations

import json

import pytest

from archive.run.crawl import CrawlOptions
from archive.run.ingest import doc_id_for
from archive.store.keys import doc_key
from archive.run.pipeline import run_pipeline
from archive.corpus.manifest import read_manifest
from tests.simweb_helpers import CHROME, FAST, plan_urls, site_of_family

NIGHTLY = CrawlOptions(mode="nightly", settings=FAST)


def two_sites(simweb):
    return [site_of_family(simweb, "trs"), site_of_family(simweb, "hanweb")]


def edited_plan(simweb, sites):
    """A plan of these sites whose text simweb edits on day 1."""
    day0 = {t["url"]: t for t in simweb.truth()}
    simweb.set_day(1)
    try:
        ids = {s.id for s in sites}
        for t in simweb.truth():
            before = day0.get(t["url"])
            if t["site_id"] in ids and t["is_plan"] and before and before["text"] != t["text"]:
                return before, t
    finally:
        simweb.set_day(0)
    pytest.skip("simweb edits no plan of these sites on day 1")


def test_day0_archives_every_plan_with_clean_text(simweb, local_store):
    sites = two_sites(simweb)
    report = run_pipeline(local_store, sites, NIGHTLY)
    expected = set().union(*(plan_urls(simweb, s.id) for s in sites))
    assert not [s for s in report.sites if s.failed]
    assert report.total("new") == len(expected)
    lines = list(read_manifest(local_store))
    assert {line["record"]["source_url"] for line in lines} == expected
    truth = {t["url"]: t for t in simweb.truth()}
    for line in lines:
        record = line["record"]
        text = local_store.get(record["text_key"]).decode("utf-8")
        assert not [c for c in CHROME if c in text], record["source_url"]
        assert record["title"] == truth[record["source_url"]]["title"]
        assert record["doc_type"].startswith("work_plan")
    stored = json.loads(local_store.get(f"runs/{report.run_id}/report.json"))
    assert stored["run_id"] == report.run_id


def test_second_run_stores_nothing_new(simweb, local_store):
    sites = two_sites(simweb)
    run_pipeline(local_store, sites, NIGHTLY)
    texts = sorted(local_store.list("text/"))
    docs = {key: len(local_store.versions(key)) for key in local_store.list("docs/")}
    report = run_pipeline(local_store, sites, NIGHTLY)
    assert report.total("new") == 0 and report.total("changed") == 0
    assert sorted(local_store.list("text/")) == texts
    assert {key: len(local_store.versions(key)) for key in local_store.list("docs/")} == docs


@pytest.mark.parametrize("store_fixture", ["local_store", "s3_store"])
def test_an_edited_document_becomes_a_new_version(simweb, request, store_fixture):
    store = request.getfixturevalue(store_fixture)
    sites = two_sites(simweb)
    before, after = edited_plan(simweb, sites)
    run_pipeline(store, sites, NIGHTLY)
    day0_plans = set().union(*(plan_urls(simweb, s.id) for s in sites))
    simweb.set_day(1)
    try:
        day1_plans = set().union(*(plan_urls(simweb, s.id) for s in sites))
        report = run_pipeline(store, sites, NIGHTLY)
    finally:
        simweb.set_day(0)
    assert report.total("changed") >= 1
    key = doc_key(doc_id_for(before["site_id"], before["url"]))
    versions = store.versions(key)
    assert len(versions) == 2
    new, old = (json.loads(store.get(key, v.version_id)) for v in versions)
    assert new["text_sha256"] != old["text_sha256"]
    assert store.get(old["text_key"]).decode("utf-8") != store.get(new["text_key"]).decode("utf-8")
    assert report.total("new") == len(day1_plans - day0_plans)
