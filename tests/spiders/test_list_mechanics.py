"""The spider over simweb's sites of list mechanics: form pagers, script-loaded lists, frames, GBK queries,
cut titles and plans that are files (simweb/mechanics.py), each reached in full."""

from __future__ import annotations

import io
import re

import pytest

from archive.registry import sites_from_rows
from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions, crawl_site
from simweb.mechanics import cut_title
from tests.simweb_helpers import FAST

SHAPE_SITES = {"form": "sim-xy-wjw", "script": "sim-zhz-wjw", "frame": "sim-my-wjw", "gbkquery": "sim-ly-wjw"}


def crawl(simweb, store, site_id: str):
    (site,) = sites_from_rows([r for r in simweb.registry_rows() if r["id"] == site_id])
    result = crawl_site(site, store, "20260101T000000Z-test", CrawlOptions(mode="backfill", settings=FAST))
    return result, list(read_captures(io.BytesIO(store.get(result.warc_key))))


def truth_of(simweb, site_id: str) -> list[dict]:
    return [t for t in simweb.truth() if t["site_id"] == site_id]


@pytest.mark.parametrize("shape", sorted(SHAPE_SITES))
def test_every_plan_of_a_site_of_list_mechanics_is_fetched(simweb, local_store, shape):
    site_id = SHAPE_SITES[shape]
    result, captures = crawl(simweb, local_store, site_id)
    fetched = {c.meta.listed or c.url for c in captures if c.kind == "detail" and c.status == 200}
    truth = truth_of(simweb, site_id)
    plans = {t["url"] for t in truth if t["is_plan"]}
    assert plans <= fetched, sorted(plans - fetched)[:5]
    # Lookalikes whose list titles say what they are are never fetched: 政策解读, 图解, and the like.
    site = simweb.world.site(site_id)
    interpretations = {t["url"] for t in truth if t["kind"] == "interpretation"
                       and re.search("解读|图解|读懂", cut_title(site, t["title"]))}
    assert interpretations and not interpretations & fetched
    assert result.summary.counts["list_pages"] > len(simweb.world.site(site_id).columns)  # paged past page 1


def test_a_plan_with_a_cut_title_is_fetched_and_marked_cut(simweb, local_store):
    _, captures = crawl(simweb, local_store, "sim-xy-wjw")
    cut = [c for c in captures if c.kind == "detail" and c.meta.title_cut]
    assert cut and all(c.meta.title.endswith("…") for c in cut)
    truth = {t["url"]: t for t in truth_of(simweb, "sim-xy-wjw")}
    hidden = [c for c in cut if truth[c.meta.listed]["is_plan"] and "工作要点" not in c.meta.title
              and "重点工作任务" not in c.meta.title]
    assert hidden  # plans whose list title shows none of a plan's words


def test_a_plan_that_is_a_file_is_a_detail_capture_whatever_its_content_type(simweb, local_store):
    _, captures = crawl(simweb, local_store, "sim-zhz-wjw")
    files = {t["url"]: t for t in truth_of(simweb, "sim-zhz-wjw") if "file_plan" in t["mechanisms"]}
    got = {c.meta.listed: c for c in captures if c.kind == "detail" and c.meta.listed in files}
    assert set(got) == set(files)
    assert any(files[url]["attachment_content_type"] == "application/octet-stream" for url in got)
    for url, capture in got.items():
        assert capture.meta.title == files[url]["title"] and capture.meta.date == files[url]["published"]


def test_gbk_queries_are_requested_in_gbk(simweb, local_store):
    _, captures = crawl(simweb, local_store, "sim-ly-wjw")
    lists = [c.url for c in captures if c.kind == "list"]
    assert any("page=2" in url and "lb=%CD%A8%D6%AA%B9%AB%B8%E6" in url for url in lists)
    assert not any("%EF%BF%BD" in c.url or "%E9%80%9A" in c.url for c in captures)  # no U+FFFD, no UTF-8 通
