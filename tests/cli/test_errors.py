"""Every mistake a user can make at `wjw`: one line on stderr saying what and what to do, never a traceback.

Each case runs `python -m cli.main` in its own process, as a shell would, and
asserts a non-zero exit, exactly one stderr line starting `error:`, the words
that make the line useful, and no traceback anywhere.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.records import SiteReport
from archive.registry import load_sites
from archive.run.pipeline import archive_crawls
from archive.store import open_store

ROOT = Path(__file__).resolve().parents[2]
WJW = [sys.executable, "-m", "cli.main"]
GOOD_ROW = """- id: {id}
  name: 湖北省卫生健康委员会
  level: province
  region_code: "420000"
  province: 湖北省
  base_url: {base_url}
  cms: trs
  columns:
    - {{name: 通知公告, url: "{base_url}tzgg/"}}
"""


def wjw(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "WJW_STORE": str(cwd or ROOT) + "/no-store-here"}
    env.pop("WJW_DEBUG", None)
    return subprocess.run([*WJW, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT, env=env)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    """A store with one finished run (of a site that failed), and registry files broken in every way."""
    base = tmp_path_factory.mktemp("errors")
    store_dir = base / "store"
    site = next(s for s in load_sites(ROOT / "sites") if s.id == "hb-wjw")
    archive_crawls(open_store(str(store_dir)), [site], [SiteReport(site_id=site.id, failed="no list page fetched")],
                   "20261124T060000Z-1a2b", "nightly")
    (base / "empty-store").mkdir()
    (base / "a-file").write_text("not a directory\n")
    (base / "malformed.yaml").write_text("- id: hb-wjw\n  name: [unclosed\n", encoding="utf-8")
    (base / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    (base / "ipv6.yaml").write_text(GOOD_ROW.format(id="hb-wjw", base_url="http://[fe80::1/"), encoding="utf-8")
    (base / "bad-id.yaml").write_text(GOOD_ROW.format(id="HB_WJW", base_url="http://wjw.hubei.gov.cn/"),
                                      encoding="utf-8")
    return {"base": base, "store": store_dir, "empty": base / "empty-store"}


def _cases(w: dict[str, Path]) -> list[tuple[str, list[str], str]]:
    store, empty, base = str(w["store"]), str(w["empty"]), w["base"]
    return [
        ("unknown command", ["frobnicate"], "No such command"),
        ("unknown option", ["run", "--bogus"], "wjw run -h"),
        ("missing argument", ["history"], "DOC_ID"),
        ("bad number", ["sites", "check", "--timeout", "soon"], "--timeout"),
        ("workers below one", ["run", "--workers", "0"], "--workers"),
        ("bad mode", ["run", "--mode", "nightlly"], "did you mean nightly"),
        ("bad date", ["run", "--since", "2019-13-01"], "YYYY-MM-DD"),
        ("dates swapped", ["run", "--since", "2020-01-01", "--until", "2019-01-01"], "swap"),
        ("unknown site", ["run", "hb-wjv", "--store", store], "did you mean hb-wjw"),
        ("unknown site, option", ["sites", "check", "--sites", "hb-wjw,nope"], "unknown site id(s): nope"),
        ("level misspelt", ["sites", "list", "--level", "provnce"], "did you mean province"),
        ("cms misspelt", ["sites", "list", "--cms", "hanwb"], "did you mean hanweb"),
        ("province unknown", ["sites", "list", "--province", "湖bei"], "湖北省"),
        ("malformed registry", ["sites", "list", "--registry", str(base / "malformed.yaml")], "malformed.yaml"),
        ("binary registry", ["sites", "list", "--registry", str(base / "binary.yaml")], "binary.yaml"),
        ("IPv6 base URL", ["sites", "list", "--registry", str(base / "ipv6.yaml")], "base_url"),
        ("site id pattern", ["sites", "list", "--registry", str(base / "bad-id.yaml")], "[a-z0-9]"),
        ("missing registry", ["sites", "list", "--registry", str(base / "nowhere")], "no site registry"),
        ("export format", ["export", "--format", "docx", "--store", store], "jsonl, parquet, txt"),
        ("export no store", ["export", "--store", str(base / "nowhere")], "--store"),
        ("export no run", ["export", "--store", empty], "wjw run"),
        ("export unknown run", ["export", "--store", store, "--as-of", "20990101T000000Z-0000"],
         "20261124T060000Z-1a2b"),
        ("export unwritable", ["export", "--store", store, "--out", str(base / "a-file" / "out")], "a-file"),
        ("history unknown doc", ["history", "docs/nope.json", "--store", store], "docs/nope.json"),
        ("history no store", ["history", "x", "--store", str(base / "nowhere")], "no store"),
        ("verify no store", ["verify", "--store", str(base / "nowhere")], "no store"),
        ("health no reports", ["sites", "health", "--store", empty], "wjw run"),
        ("runs list empty", ["runs", "list", "--store", empty], "wjw run"),
        ("runs show unknown", ["runs", "show", "20261124T060000Z-1a2c", "--store", store],
         "did you mean 20261124T060000Z-1a2b"),
        ("runs show no log", ["runs", "show", "latest", "--store", store, "--log", "hb-wjw"], "no crawl log"),
        ("reextract nothing stored", ["run", "--reextract", "hb-wjw", "--store", store], "no stored WARC"),
        ("extract missing file", ["extract", str(base / "nope.html"), "--url", "http://x.cn/"], "nope.html"),
        ("simweb negative day", ["simweb", "truth", "--day", "-1", "--out", str(base / "t.jsonl")], "--day"),
    ]


CASE_IDS = [case[0] for case in _cases({"store": Path(), "empty": Path(), "base": Path()})]


@pytest.mark.parametrize("case", CASE_IDS)
def test_every_user_error_is_one_line_with_what_to_do(world, case):
    _, args, expected = next(c for c in _cases(world) if c[0] == case)
    result = wjw(*args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert expected in lines[0], lines[0]


def test_usage_errors_exit_2_and_others_1(world):
    assert wjw("run", "--bogus").returncode == 2
    assert wjw("sites", "list", "--level", "provnce").returncode == 1


def test_demo_on_a_taken_port_says_so(world):
    with socket.socket() as holder:
        holder.bind(("127.77.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = wjw("demo", "--port", str(port), "--store", str(world["base"] / "demo-store"),
                     "--out", str(world["base"] / "demo-out"))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert lines[-1].startswith("error: port ") and "--port" in lines[-1], result.stderr


def test_ctrl_c_says_what_was_kept_and_that_a_rerun_finishes(world):
    """Ctrl-C reaches the whole process group, as a terminal sends it; the run ends 130 with one line."""
    proc = subprocess.Popen([*WJW, "demo", "--store", str(world["base"] / "interrupted"), "--out",
                             str(world["base"] / "interrupted-out"), "--port", "0", "--workers", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    seen = ""
    while time.monotonic() < deadline and "crawled" not in seen:
        seen += proc.stderr.readline()  # piped: a line per site as it finishes
    os.killpg(proc.pid, signal.SIGINT)
    _, rest = proc.communicate(timeout=300)
    lines = [line for line in (seen + rest).splitlines() if line.startswith("error:")]
    assert proc.returncode == 130, seen + rest
    assert "Traceback" not in rest
    assert lines and "interrupted after" in lines[-1] and "again finishes the job" in lines[-1]
