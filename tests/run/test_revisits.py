"""The adaptive revisit schedule: a change is found within the bound, an unchanged page backs off, a lost
schedule revisits soon, and a night with nothing new costs little more than its lists."""

from __future__ import annotations

import io

import pytest

from archive.registry import sites_from_rows
from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions
from archive.run.ingest import doc_id_for
from archive.run.pipeline import run_pipeline
from archive.run.recover import rebuild_state
from archive.store import revisits
from archive.store.revisits import (
    CHANGED,
    GONE,
    MAX_INTERVAL,
    MIN_INTERVAL,
    NEW,
    REMOVED,
    SOON,
    UNCHANGED,
)
from archive.store.state import SiteState, load_state
from tests.simweb_helpers import FAST

NIGHTLY = CrawlOptions(mode="nightly", settings=(*FAST, ("WJW_REVISIT_SCHEDULE", "adaptive")))
SITE = "sim-hb-wjw"  # no faults on any day; edits its newest plan of day 0 on day 1
URL = "http://127.77.0.1/a.html"


def test_an_unchanged_page_backs_off_to_the_cap_and_a_changed_one_comes_back_the_next_night():
    entry: dict = {"interval": MIN_INTERVAL, "next_revisit": 5}
    intervals = []
    for night in range(5, 400):
        if revisits.is_due(URL, entry, night):
            entry = revisits.next_schedule(URL, entry, UNCHANGED, night)
            intervals.append(entry["interval"])
    assert intervals[:4] == [2, 4, 8, 16] and max(intervals) == MAX_INTERVAL
    changed = revisits.next_schedule(URL, entry, CHANGED, 400)
    assert changed == {"interval": MIN_INTERVAL, "next_revisit": 401}


def test_a_new_document_starts_from_its_age_and_its_first_revisit_lies_within_that_interval():
    assert revisits.first_interval(0) == MIN_INTERVAL
    assert revisits.first_interval(3 * 365) == MAX_INTERVAL
    young, old = revisits.first_interval(30), revisits.first_interval(300)
    assert MIN_INTERVAL <= young < old <= MAX_INTERVAL
    firsts = [revisits.next_schedule(f"{URL}?{n}", {}, NEW, 10, 3 * 365)["next_revisit"] for n in range(2000)]
    assert 11 <= min(firsts) and max(firsts) <= 10 + MAX_INTERVAL
    # Spread evenly: no night carries more than three times its share of one backfill's documents.
    per_night = [firsts.count(night) for night in range(11, 11 + MAX_INTERVAL)]
    assert max(per_night) <= 3 * len(firsts) / MAX_INTERVAL


def test_a_lost_schedule_is_due_within_a_few_nights_never_never():
    lost = [{}, {"next_revisit": "2026-03-04"}, {"interval": 8, "next_revisit": 10_000}]
    for entry in lost:
        due = [night for night in range(100, 100 + SOON) if revisits.is_due(URL, entry, night)]
        assert len(due) == 1, entry


def test_a_gone_document_is_revisited_every_night_until_confirmed_then_backs_off():
    gone = {"interval": 16, "next_revisit": 90, "gone": 1}
    assert all(revisits.is_due(URL, gone, night) for night in range(10, 20))
    assert revisits.next_schedule(URL, gone, GONE, 10)["next_revisit"] == 11
    removed = gone | {"removed": True} | revisits.next_schedule(URL, gone, REMOVED, 12)
    assert removed["interval"] == 32 and not revisits.is_due(URL, removed, 13)


@pytest.fixture
def nights(simweb, local_store):
    sites = [s for s in sites_from_rows(simweb.registry_rows()) if s.id == SITE]
    reports = []

    def night(day: int):
        simweb.set_day(day)
        reports.append(run_pipeline(local_store, sites, NIGHTLY))
        return reports[-1]

    yield night
    simweb.set_day(0)


def _edited_on_day_1(simweb) -> str:
    (doc,) = [d for d in simweb.world.documents if d.site_id == SITE and d.first_day == 0
              and any(r.day == 1 for r in d.revisions)]
    return simweb.base_url(SITE).rstrip("/") + doc.path


def _details(store, report) -> list:
    (site,) = report.sites
    return [c for c in read_captures(io.BytesIO(store.get(site.warc_key))) if c.kind == "detail"]


def test_nights_find_the_edit_back_off_and_cost_little_more_than_their_lists(nights, simweb, local_store):
    nights(0)
    edited = _edited_on_day_1(simweb)
    documents = load_state(local_store, SITE).documents
    assert edited in documents and load_state(local_store, SITE).night == 1
    first = nights(1)
    # Edited on day 1, published the day before: its age makes it due the next night, and the change is found.
    assert doc_id_for(SITE, edited) in first.sites[0].changed_ids
    assert load_state(local_store, SITE).documents[edited]["interval"] == MIN_INTERVAL
    second = nights(2)
    assert [c.status for c in _details(local_store, second) if c.url == edited] == [304]
    state = load_state(local_store, SITE)
    entry = state.documents[edited]
    # Day 2 is the site's third nightly crawl (day 0's was its first).
    assert state.night == 3 and entry["interval"] == 2 * MIN_INTERVAL and entry["next_revisit"] == 3 + 2 * MIN_INTERVAL
    third = nights(3)
    # Unchanged on night 2, so not asked again on night 3; and few documents are due on any one night.
    assert edited not in {c.url for c in _details(local_store, third)}
    assert len(_details(local_store, third)) <= len(documents) // 4
    assert third.sites[0].skipped.get("known_not_due", 0) > 0
    # Rebuilt (the schedule lost), the night count comes back from the WARCs, and every document is due soon.
    rebuilt = rebuild_state(local_store, SITE)
    assert rebuilt.night == 4 and set(rebuilt.documents) == set(documents)
    due = set()
    for night in range(SOON):
        known = SiteState(SITE, documents=rebuilt.documents, night=rebuilt.night + night).known()
        due |= {url for url, seen in known.items() if seen.get("due")}
    assert due == set(documents)
