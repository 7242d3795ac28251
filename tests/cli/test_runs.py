"""`wjw runs list|show`, crawl logs kept in the store, progress lines and the help's examples."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

from typer.testing import CliRunner

from archive.corpus.runs import RunNotFound, load_run, run_ids, run_rows
from archive.records import RunReport, SiteReport
from archive.run.logs import MAX_LOG_BYTES, log_lines, logged_sites, save_log
from archive.store import open_store
from archive.store.keys import log_key, report_key
from cli.help import EXAMPLES, commands
from cli.main import app, command
from cli.progress import RunProgress


def _store_with_runs(path):
    store = open_store(str(path))
    failing = SiteReport(site_id="sim-nb-wjw", list_pages=2, errors={"http_503": 2},
                         error_samples={"http_503": ["http://127.77.0.9/a.html", "http://127.77.0.9/b.html"]},
                         scrapy_stats={"downloader/request_count": 12, "retry/count": 4, "elapsed_time_seconds": 3.5},
                         seconds={"crawl": 3.5, "ingest": 1.25}, new=3, warc_key="warc/x")
    down = SiteReport(site_id="sim-nhc", errors={"blocked_by_waf": 2}, failed="no list page fetched: blocked_by_waf ×2")
    for n, sites in enumerate(([failing], [failing, down])):
        run_id = f"2026112{n}T060000Z-000{n}"
        report = RunReport(run_id=run_id, mode="nightly", store=str(store), started_at=f"2026-11-2{n}T06:00:00+00:00",
                           finished_at=f"2026-11-2{n}T06:07:30+00:00", sites=sites, documents_total=40 + n,
                           health_flags={"sim-nhc": ["blocked: a WAF challenge answered 2 request(s)"]} if n else {})
        data = report.to_dict() | ({"removed_doc_ids": ["sim-nb-wjw-1"]} if n else {})
        store.put(report_key(run_id), json.dumps(data, ensure_ascii=False).encode())
    return store


def test_runs_list_newest_first_with_failures_and_flags(tmp_path):
    store = _store_with_runs(tmp_path / "store")
    rows = run_rows(store)
    assert [r.run_id for r in rows] == ["20261121T060000Z-0001", "20261120T060000Z-0000"]
    assert rows[0].failed == ("sim-nhc",) and rows[0].flagged == ("sim-nhc",) and rows[0].seconds == 450
    assert rows[0].removed == 1 and rows[1].removed is None  # an older report counts no removals
    result = CliRunner().invoke(app, ["runs", "list", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "20261121T060000Z-0001" in result.output and "FAILED sim-nhc" in result.output and "7m30s" in result.output
    as_json = CliRunner().invoke(app, ["runs", "list", "--store", str(tmp_path / "store"), "--json"])
    assert json.loads(as_json.stdout)[0]["failed"] == ["sim-nhc"]


def test_runs_show_names_sample_urls_times_and_scrapy_stats(tmp_path):
    _store_with_runs(tmp_path / "store")
    result = CliRunner().invoke(app, ["runs", "show", "latest", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "error http_503 ×2: http://127.77.0.9/a.html http://127.77.0.9/b.html" in out
    assert "crawl 3.5s, ingest 1.2s" in out and "request_count=12" in out and "retry/count=4" in out
    assert "sim-nhc: FAILED: no list page fetched" in out and "health: blocked" in out
    assert "removed: 1 sim-nb-wjw-1" in out
    shown = CliRunner().invoke(app, ["runs", "show", "20261120T060000Z-0000", "--store", str(tmp_path / "store"),
                                     "--json"])
    assert json.loads(shown.stdout)["run_id"] == "20261120T060000Z-0000"


def test_an_unknown_run_names_the_ones_there_are(tmp_path):
    store = _store_with_runs(tmp_path / "store")
    assert run_ids(store) == ["20261120T060000Z-0000", "20261121T060000Z-0001"]
    try:
        load_run(store, "20261121T060000Z-0002")
    except RunNotFound as exc:
        assert "did you mean 20261121T060000Z-0001" in str(exc)
    else:
        raise AssertionError("an unknown run was found")


def test_crawl_logs_are_kept_gzipped_bounded_and_read_back(tmp_path):
    store = open_store(str(tmp_path / "store"))
    log = tmp_path / "scrapy.log"
    log.write_text("2026-11-24 INFO start\nsim-nb-wjw: http://x/a.html failed: http_503\n", encoding="utf-8")
    key = save_log(store, "20261124T060000Z-1a2b", "sim-nb-wjw", log)
    assert key == log_key("20261124T060000Z-1a2b", "sim-nb-wjw")
    assert gzip.decompress(store.get(key)).decode().endswith("failed: http_503\n")
    assert list(log_lines(store, "20261124T060000Z-1a2b", "sim-nb-wjw"))[-1].endswith("http_503")
    assert logged_sites(store, "20261124T060000Z-1a2b") == ["sim-nb-wjw"]
    assert list(log_lines(store, "20261124T060000Z-1a2b", "sim-nhc")) == []
    assert save_log(store, "20261124T060000Z-1a2b", "gone", tmp_path / "missing.log") is None
    log.write_bytes(b"a" * (MAX_LOG_BYTES + 1000))
    bounded = gzip.decompress(store.get(save_log(store, "r", "big", log)))
    assert len(bounded) < MAX_LOG_BYTES + 100 and b"bytes of log left out" in bounded
    shown = CliRunner().invoke(app, ["runs", "show", "r", "--store", str(tmp_path / "store"), "--log", "big"])
    assert shown.exit_code == 1  # no report for run r: the log alone is no run


def test_progress_counts_sites_documents_errors_and_says_what_ctrl_c_kept():
    progress = RunProgress(total=3)
    for message in ("a: crawled", "b: crawl failed", "a: 4 new, 1 changed, 2 errors", "c: crawled"):
        progress.note(message)
    assert progress.phase == "archiving"
    assert progress.line() == "archiving: 3/3 crawled, 1 archived, 4 new, 1 changed, 2 errors, 1 failed"
    assert "after 1 of 3 sites" in progress.interrupted() and "again finishes the job" in progress.interrupted()


def test_every_command_has_an_example_in_its_help():
    tree = command()
    assert set(commands(tree)) <= set(EXAMPLES), set(commands(tree)) - set(EXAMPLES)
    shown = subprocess.run([sys.executable, "-m", "cli.main", "runs", "show", "-h"], capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0 and "Examples:" in shown.stdout and "wjw runs show latest" in shown.stdout
    assert "--json <bool>" not in shown.stdout and "RUN_ID" in shown.stdout
