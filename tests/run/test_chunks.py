"""One crawl process serves a chunk of sites: each keeps its own WARC, summary and log, and its faults.

Real crawls of simweb over loopback, in real child processes
(`python -m spiders.run JOB.json …`), as `wjw run` and the DAG's crawl tasks
start them.
"""

from __future__ import annotations

import gzip
from urllib.parse import urlsplit

import pytest

from archive.registry import sites_from_rows
from archive.run import crawl as crawl_module
from archive.run.captures import stored_captures
from archive.run.crawl import CrawlOptions, CrawlResult, crawl_chunk
from archive.run.killpoints import ENV
from archive.run.pipeline import split_chunks
from archive.store.keys import log_key
from tests.simweb_helpers import FAST

RUN = "20260101T000000Z-chnk"


@pytest.fixture(scope="module")
def three_sites(simweb):
    """Three simulated sites of different families, none with a fault on day 0."""
    wanted = ("sim-hb-wjw", "sim-jm-wjw", "sim-zj-wsjkw")
    return [s for s in sites_from_rows(simweb.registry_rows()) if s.id in wanted]


def response_hosts(store, key: str) -> set[str]:
    """The hosts of every response a stored WARC holds, read as ingest reads it."""
    return {urlsplit(capture.url).netloc for capture in stored_captures(store, key)}


def test_a_chunk_keeps_each_sites_warc_summary_and_log_apart(three_sites, local_store):
    results = crawl_chunk(three_sites, local_store, RUN, CrawlOptions(mode="backfill", settings=FAST))

    assert [r.site_id for r in results] == [s.id for s in three_sites]
    for site, result in zip(three_sites, results):
        assert isinstance(result, CrawlResult), result
        assert result.summary.site_id == site.id and result.summary.count("detail_pages") > 0
        assert result.summary.finish_reason == "finished"
        assert response_hosts(local_store, result.warc_key) == {urlsplit(site.base_url).netloc}
        log = gzip.decompress(local_store.get(log_key(RUN, site.id))).decode()
        others = [s.id for s in three_sites if s.id != site.id]
        assert not any(f"{other}:" in log for other in others), log[-2000:]


def test_a_chunk_process_that_dies_costs_no_other_site(three_sites, local_store, monkeypatch):
    # The child dies right after announcing its first finished site, with the other two still crawling.
    monkeypatch.setenv(ENV, "site_crawled:1")
    children = []
    real_run_child = crawl_module._run_child

    def counted(jobs, *args):
        outcomes = real_run_child(jobs, *args)
        children.append({job.site.id: type(outcomes[job.site.id]).__name__ for job in jobs})
        return outcomes

    monkeypatch.setattr(crawl_module, "_run_child", counted)
    results = crawl_chunk(three_sites, local_store, RUN, CrawlOptions(mode="backfill", settings=FAST))

    assert all(isinstance(r, CrawlResult) and r.summary.count("detail_pages") > 0 for r in results), results
    first = children[0]
    assert sorted(first.values()) == ["ChildDied", "ChildDied", "CrawlResult"], first
    # The two left unfinished were crawled again, each in a process of its own.
    assert [list(c) for c in children[1:]] == [[s] for s, kind in first.items() if kind == "ChildDied"]


def test_a_site_that_never_ends_is_stopped_alone(local_store):
    from simweb import SimWeb, build_world

    # sim-wz-wjw trickles a plan out over a minute on day 0: longer than its time limit, with retries.
    with SimWeb(build_world(), day=0, slow_body_seconds=60) as web:
        sites = [s for s in sites_from_rows(web.registry_rows()) if s.id in ("sim-wz-wjw", "sim-hb-wjw")]
        options = CrawlOptions(mode="backfill", settings=(*FAST, ("CLOSESPIDER_TIMEOUT", 15)))
        results = {r.site_id: r for r in crawl_chunk(sites, local_store, RUN, options)}

    assert results["sim-wz-wjw"].summary.finish_reason == "closespider_timeout"
    assert results["sim-hb-wjw"].summary.finish_reason == "finished"
    assert all(local_store.exists(r.warc_key) for r in results.values())


def test_chunks_are_even_and_keep_every_worker_busy(three_sites):
    sites = three_sites * 20  # 60 rows: only the counting matters here
    assert [len(c) for c in split_chunks(sites, workers=2, chunk_size=32)] == [30, 30]
    assert [len(c) for c in split_chunks(sites, workers=2, chunk_size=25)] == [20, 20, 20]
    assert [len(c) for c in split_chunks(sites[:3], workers=4, chunk_size=32)] == [1, 1, 1]
    assert [s for c in split_chunks(sites, workers=3, chunk_size=7) for s in c] == sites
