"""The fault suite, short: kill -9 at commit steps, two runs at once, a broken state file, bad dates.

Each hurt run is compared with an uninterrupted one over the same simulated
sites: after the rerun, the corpus (records apart from times, texts, the latest
manifest) must be the same, `wjw verify` must pass and no scratch folder may be
left. bench/faults.py runs every kill point, the S3 outage and the full disk.
"""

from __future__ import annotations

import threading

import pytest

from archive.scratch import leftovers
from archive.store import open_store
from archive.store.keys import state_key
from testkit.faults import corpus, differences, run_args, wjw, write_registry

SITES = 2


@pytest.fixture(scope="module")
def rows(simweb):
    hidden = {t["site_id"] for t in simweb.truth() if t["robots_disallowed"]}
    chosen = [row for row in simweb.registry_rows() if row["id"] not in hidden][:SITES]
    assert len(chosen) == SITES
    return chosen


@pytest.fixture(scope="module")
def baseline(rows, tmp_path_factory):
    """The corpus of one uninterrupted nightly over the sites, on a fresh store."""
    work = tmp_path_factory.mktemp("baseline")
    registry = write_registry(work / "sites.yaml", rows)
    done = wjw(run_args(str(work / "store"), registry), tmpdir=work / "tmp")
    assert done.returncode == 0, done.stdout + done.stderr
    return corpus(open_store(str(work / "store")))


# Three steps here (before ingest, mid-ingest, after the state advanced); bench/faults.py kills at every one.
# With two workers the WARCs are read in worker processes and committed by the run, whose commit is killed here.
@pytest.mark.parametrize(("kill_at", "workers"), [("warc_stored:2", 1), ("doc_written:5", 1), ("state_saved:1", 1),
                                                  ("doc_written:5", 2)])
def test_a_run_killed_at_a_commit_step_is_finished_by_the_next(kill_at, workers, rows, baseline, tmp_path):
    registry = write_registry(tmp_path / "sites.yaml", rows)
    store_dir, tmp = str(tmp_path / "store"), tmp_path / "tmp"
    killed = wjw(run_args(store_dir, registry, workers=workers), env={"WJW_FAULT_KILL_AT": kill_at}, tmpdir=tmp)
    assert killed.returncode == -9, f"{kill_at} was never reached: {killed.stdout}{killed.stderr}"
    rerun = wjw(run_args(store_dir, registry), tmpdir=tmp)
    assert rerun.returncode == 0 and not rerun.traceback, rerun.stdout + rerun.stderr
    assert differences(corpus(open_store(store_dir)), baseline) == []
    verified = wjw(["verify", "--store", store_dir])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert leftovers(tmp) == []


def test_two_runs_at_once_end_with_the_serial_corpus(rows, tmp_path):
    registry = write_registry(tmp_path / "sites.yaml", rows)
    serial = str(tmp_path / "serial")
    for mode in ("nightly", "backfill"):
        assert wjw(run_args(serial, registry, mode), tmpdir=tmp_path / "tmp").returncode == 0
    together = str(tmp_path / "together")
    outcomes = {}

    def run(mode: str) -> None:
        outcomes[mode] = wjw(run_args(together, registry, mode), tmpdir=tmp_path / "tmp")

    threads = [threading.Thread(target=run, args=(mode,)) for mode in ("nightly", "backfill")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for mode, outcome in outcomes.items():
        assert outcome.returncode == 0 and not outcome.traceback, f"{mode}: {outcome.stdout}{outcome.stderr}"
    assert differences(corpus(open_store(together)), corpus(open_store(serial))) == []


def test_a_broken_state_file_is_rebuilt_and_the_other_sites_archived(rows, baseline, tmp_path):
    registry = write_registry(tmp_path / "sites.yaml", rows)
    store_dir = str(tmp_path / "store")
    assert wjw(run_args(store_dir, registry), tmpdir=tmp_path / "tmp").returncode == 0
    store = open_store(store_dir)
    store.put(state_key(rows[0]["id"]), b'{"documents": {"http://x/": 1}')
    rerun = wjw(run_args(store_dir, registry), tmpdir=tmp_path / "tmp")
    assert rerun.returncode == 0 and not rerun.traceback, rerun.stdout + rerun.stderr
    assert differences(corpus(store), baseline) == []
    # The state was rebuilt and written back: the next run reads it.
    assert b"documents" in store.get(state_key(rows[0]["id"]))


@pytest.mark.parametrize("dates", [["--since", "2020-13-45"], ["--since", "yesterday"],
                                   ["--since", "2024-05-01", "--until", "2024-01-01"], ["--until", "2024-2-3"]])
def test_bad_dates_are_refused_in_one_line(dates, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    refused = CliRunner().invoke(app, ["run", "--store", str(tmp_path / "store"), "--mode", "backfill", *dates])
    assert refused.exit_code == 1 and refused.exception is None or isinstance(refused.exception, SystemExit)
    assert "YYYY-MM-DD" in refused.output or "is after" in refused.output
    assert len([line for line in refused.output.splitlines() if line.strip()]) == 1, refused.output
    assert not (tmp_path / "store").exists()


def test_a_backfill_window_leaves_the_next_nightly_whole(rows, baseline, tmp_path):
    registry = write_registry(tmp_path / "sites.yaml", rows)
    store_dir = str(tmp_path / "store")
    window = wjw(run_args(store_dir, registry, "backfill", 1, "--since", "2030-01-01"), tmpdir=tmp_path / "tmp")
    assert window.returncode == 0, window.stdout + window.stderr
    nightly = wjw(run_args(store_dir, registry), tmpdir=tmp_path / "tmp")
    assert nightly.returncode == 0, nightly.stdout + nightly.stderr
    assert differences(corpus(open_store(store_dir)), baseline) == []


def test_a_hostile_site_costs_only_itself(rows, tmp_path):
    """Bombs, garbage, a PDF as the page, UTF-16 without a BOM, endless bodies, offsite redirects: one site's."""
    from testkit.hostile import HostileSite

    with HostileSite() as hostile:
        registry = write_registry(tmp_path / "sites.yaml", [hostile.registry_row(), rows[0]])
        store_dir = str(tmp_path / "store")
        done = wjw(run_args(store_dir, registry, "backfill", 2), tmpdir=tmp_path / "tmp")
        assert hostile.offsite_hits == []
        truth = hostile.truth()
    assert done.returncode == 0 and not done.traceback, done.stdout + done.stderr
    store = open_store(store_dir)
    records = corpus(store)["records"]
    by_url = {r["source_url"]: r for r in records.values() if r["site_id"] == "hostile-wjw"}
    plans = {t["url"]: t for t in truth if t["is_plan"]}
    # Every real plan, with its text; beside them only the PDF served as the page, read as a PDF.
    assert {u: by_url[u]["text_sha256"] for u in plans if u in by_url} == {u: t["text_sha256"] for u, t in plans.items()}
    files = {t["url"] for t in truth if t["kind"] == "pdf_as_page"}
    assert set(by_url) - set(plans) <= files
    for url in set(by_url) & files:
        assert b"%PDF" not in store.get(by_url[url]["text_key"])
    # The healthy neighbour is whole.
    healthy = wjw(run_args(str(tmp_path / "alone"), write_registry(tmp_path / "one.yaml", [rows[0]]), "backfill"),
                  tmpdir=tmp_path / "tmp")
    assert healthy.returncode == 0
    alone = {k: v for k, v in corpus(open_store(str(tmp_path / "alone")))["records"].items()}
    assert {k: v for k, v in records.items() if v["site_id"] == rows[0]["id"]} == alone
