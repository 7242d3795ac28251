"""Site health across runs, from run reports written to a local store: flags on real change only."""

import json

from typer.testing import CliRunner

from archive.corpus.health import items_in, load_reports, site_health
from archive.records import RunReport, SiteReport
from archive.store import open_store
from cli.main import app

BLOCKED = SiteReport(site_id="x", errors={"blocked_by_waf": 4}, failed="no list page fetched: blocked_by_waf ×4",
                     warc_key="warc/x")
DOWN = SiteReport(site_id="x", errors={"timeout": 3, "connection_refused": 1},
                  failed="no list page fetched: timeout ×3", warc_key="warc/x")


def _site(site_id: str, entry: SiteReport | int | dict) -> SiteReport:
    if isinstance(entry, SiteReport):
        return SiteReport(**{**entry.__dict__, "site_id": site_id})
    columns = entry if isinstance(entry, dict) else {"工作计划": entry}
    return SiteReport(site_id=site_id, list_pages=len(columns), first_page_entries=columns, warc_key="warc/x")


def _write_runs(store, history: dict[str, list], modes: list[str] | None = None) -> None:
    runs = max(len(v) for v in history.values())
    for n in range(runs):
        run_id = f"202611{n + 1:02d}T060000Z-0000"
        mode = modes[n] if modes else "nightly"
        report = RunReport(run_id=run_id, mode=mode, store=str(store), started_at=f"2026-11-{n + 1:02d}T06:00:00+00:00")
        report.sites = [_site(site_id, entries[n]) for site_id, entries in history.items() if n < len(entries)]
        store.put(f"runs/{run_id}/report.json", json.dumps(report.to_dict()).encode())


def test_items_are_the_entries_first_list_pages_showed():
    assert items_in({"first_page_entries": {"a": 15, "b": 7}, "plans_found": 1}) == 22
    assert items_in({"first_page_entries": {"a": 15}, "failed": "crawl process exited 1"}) is None
    assert items_in({"plans_found": 9}) is None  # an older report counted something else: no baseline


def test_a_full_first_crawl_followed_by_nightlies_flags_nothing(tmp_path):
    """The wolf the old monitor cried: the first full crawl is no 'usual' for the nightlies after it."""
    store = open_store(str(tmp_path / "store"))
    _write_runs(store, {"steady": [30, 30, 31, 30, 32]}, modes=["backfill", "nightly", "nightly", "nightly", "nightly"])
    assert not any(h.flagged for h in site_health(load_reports(store)))


def test_blocked_down_quiet_and_dropping_sites_are_flagged(tmp_path):
    store = open_store(str(tmp_path / "store"))
    _write_runs(store, {
        "steady": [20, 22, 21, 20, 23, 21],
        "blocked": [15, 14, 16, 15, 15, BLOCKED],
        "down": [15, 14, 16, 15, 15, DOWN],
        "quiet": [15, 14, 16, 0, 0, 0],
        "dropped": [40, 42, 41, 40, 39, 6],
        "small": [2, 1, 2, 1, 0, 1],
    })
    health = {h.site_id: h for h in site_health(load_reports(store))}
    assert not health["steady"].flagged and not health["small"].flagged
    assert health["blocked"].flags == ("blocked: a WAF challenge answered 4 request(s)",)
    assert health["blocked"].items[-1] is None
    assert health["down"].flags == ("down: timeout ×3, connection_refused ×1",)
    assert health["quiet"].flags == ("quiet: its lists answered but showed no entry in the last 3 runs",)
    assert health["dropped"].flags == ("drop: first list pages showed 6 entries, against a steady 40",)


def test_a_drop_needs_a_stable_comparable_baseline(tmp_path):
    store = open_store(str(tmp_path / "store"))
    _write_runs(store, {
        "unsteady": [40, 10, 60, 25, 50, 8],  # no steady usual to fall from
        "short": [40, 40, 5],  # two runs are no baseline
        "new_column": [{"a": 40}, {"a": 41}, {"a": 40}, {"b": 5}],  # the columns changed: not comparable
    })
    assert not any(h.flagged for h in site_health(load_reports(store)))


def test_a_site_that_recovers_is_no_longer_flagged(tmp_path):
    store = open_store(str(tmp_path / "store"))
    _write_runs(store, {"revived": [0, 0, 0, 12, BLOCKED, 11]})
    assert [h.flagged for h in site_health(load_reports(store))] == [False]
    assert site_health(load_reports(store, runs=3))[0].items == (12, None, 11)


def test_cli_exits_non_zero_when_a_site_is_flagged(tmp_path):
    store_dir = str(tmp_path / "store")
    _write_runs(open_store(store_dir), {"steady": [10, 10, 10], "dead": [10, 10, BLOCKED]})
    result = CliRunner().invoke(app, ["sites", "health", "--store", store_dir])
    assert result.exit_code == 1, result.output
    assert "dead" in result.output and "blocked: a WAF challenge" in result.output
    assert "1 flagged (dead)" in result.output
    as_json = CliRunner().invoke(app, ["sites", "health", "--store", store_dir, "--json"])
    assert as_json.exit_code == 1
    rows = {row["site_id"]: row for row in json.loads(as_json.stdout)}
    assert rows["dead"]["items"] == [10, 10, None] and rows["steady"]["flags"] == []
    healthy_dir = str(tmp_path / "healthy")
    _write_runs(open_store(healthy_dir), {"steady": [10, 10, 10]})
    ok = CliRunner().invoke(app, ["sites", "health", "--store", healthy_dir])
    assert ok.exit_code == 0, ok.output


def test_a_run_report_names_the_sites_whose_monitors_fire(simweb, local_store):
    """A site whose crawl reached no list page is flagged in that run's own report."""
    from archive.run.pipeline import archive_crawls
    from tests.simweb_helpers import site_of_family

    site = site_of_family(simweb, "trs")
    report = archive_crawls(local_store, [site], [SiteReport(site_id=site.id, failed="crawl process exited 1")],
                            "20260101T000000Z-test", "nightly")
    assert report.health_flags == {site.id: ["crawl failed: crawl process exited 1"]}
