"""Site health across runs, from run reports written to a local store."""

import json

from typer.testing import CliRunner

from cli.main import app
from archive.corpus.health import items_in, load_reports, site_health
from archive.records import RunReport, SiteReport
from archive.store import open_store


def _write_runs(store, history: dict[str, list[SiteReport | int]]) -> None:
    runs = max(len(v) for v in history.values())
    for n in range(runs):
        run_id = f"202611{n + 1:02d}T060000Z-0000"
        report = RunReport(run_id=run_id, mode="nightly", store=str(store), started_at=f"2026-11-{n + 1:02d}T06:00:00+00:00")
        for site_id, reports in history.items():
            entry = reports[n]
            if isinstance(entry, int):
                entry = SiteReport(site_id=site_id, plans_found=entry // 2, skipped={"not_a_work_plan": entry - entry // 2})
            report.sites.append(entry)
        store.put(f"runs/{run_id}/report.json", json.dumps(report.to_dict()).encode())


def test_items_count_plans_and_entries_let_go():
    assert items_in({"plans_found": 2, "skipped": {"not_a_work_plan": 5, "known_not_revisited": 3, "empty_list_page": 4}}) == 10
    assert items_in({"plans_found": 9, "failed": "crawl process exited 1"}) == 0


def test_quiet_and_dropping_sites_are_flagged(tmp_path):
    store = open_store(str(tmp_path / "store"))
    blocked = SiteReport(site_id="quiet", errors={"blocked_by_waf": 4})
    _write_runs(store, {
        "steady": [20, 22, 21, 20, 23, 21],
        "quiet": [15, 14, 16, blocked, blocked, blocked],
        "dropped": [40, 42, 41, 40, 39, 6],
        "small": [2, 1, 2, 1, 0, 1],
    })
    health = {h.site_id: h for h in site_health(load_reports(store))}
    assert not health["steady"].flagged and not health["small"].flagged
    assert health["quiet"].flags == ("no item in the last 3 runs",)
    assert health["quiet"].last_problem == "blocked_by_waf ×4"
    assert health["dropped"].flags == ("items fell to 6 from a usual 40",)
    assert health["dropped"].items[-1] == 6


def test_only_the_last_runs_are_read(tmp_path):
    store = open_store(str(tmp_path / "store"))
    _write_runs(store, {"revived": [0, 0, 0, 12, 11]})
    assert [h.flagged for h in site_health(load_reports(store, runs=3))] == [False]
    assert [h.flagged for h in site_health(load_reports(store))] == [False]
    assert site_health(load_reports(store, runs=5), quiet_runs=3)[0].items == (0, 0, 0, 12, 11)


def test_cli_exits_non_zero_when_a_site_is_flagged(tmp_path):
    store_dir = str(tmp_path / "store")
    _write_runs(open_store(store_dir), {"steady": [10, 10, 10], "dead": [10, 0, 0]})
    result = CliRunner().invoke(app, ["sites", "health", "--store", store_dir, "--quiet-runs", "2"])
    assert result.exit_code == 1, result.output
    assert "dead" in result.output and "no item in the last 2 runs" in result.output
    assert "1 flagged (dead)" in result.output
    healthy_dir = str(tmp_path / "healthy")
    _write_runs(open_store(healthy_dir), {"steady": [10, 10, 10]})
    ok = CliRunner().invoke(app, ["sites", "health", "--store", healthy_dir])
    assert ok.exit_code == 0, ok.output


def test_a_run_report_names_the_sites_whose_monitors_fire(simweb, local_store):
    """Three runs in which a site lists nothing flag it in the third run's own report."""
    from archive.run.pipeline import archive_crawls
    from archive.records import SiteReport
    from tests.simweb_helpers import site_of_family

    site = site_of_family(simweb, "trs")
    for n in range(3):
        report = archive_crawls(local_store, [site], [SiteReport(site_id=site.id, failed="no list page fetched")],
                                f"2026010{n}T000000Z-test", "nightly")
    assert report.health_flags == {site.id: ["no item in the last 3 runs"]}
