"""The `wjw` command as a user runs it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.simweb_helpers import CHROME

ROOT = Path(__file__).resolve().parents[2]
GOLD_PAGES = ROOT / "tests" / "fixtures" / "realpages"
WJW = [sys.executable, "-m", "cli.main"]


SHARED = ROOT.parent / "shared" / "realpages"


def gold_pages() -> list[Path]:
    """The real pages in the fixtures, plus those with gold text in ../shared/realpages when it is there."""
    # The Chinese Web Content Extraction set is mixed web (forums, blogs with no title): bench/extraction.py scores it.
    pages = sorted(p for p in GOLD_PAGES.rglob("*.html") if "Chinese-Web-Content-Extraction-Dataset" not in p.parts)
    index = SHARED / "INDEX.md"
    if index.exists():
        for row in index.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in row.split("|")]
            if len(cells) > 7 and cells[1].endswith(".html") and cells[6] not in ("-", "gold"):
                pages.append(SHARED / cells[1])
    return pages


@pytest.mark.parametrize("page", gold_pages(), ids=lambda p: p.name)
def test_extract_prints_a_record_for_each_real_page(page):
    result = CliRunner().invoke(app, ["extract", str(page), "--url", "http://example.cn/a.html", "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["text"].strip() and record["title"].strip()
    assert {"published", "encoding"} <= set(record)


def test_extract_names_a_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "nope.html"), "--url", "http://x.cn/"])
    assert result.exit_code == 1
    assert "nope.html" in result.output


def test_export_without_a_run_says_what_to_do(tmp_path):
    result = CliRunner().invoke(app, ["export", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "wjw run" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.77.0.1", 0))
        return probe.getsockname()[1]


def test_demo_archives_exports_and_is_idempotent(tmp_path):
    store, out = tmp_path / "store", tmp_path / "export"
    args = [*WJW, "demo", "--store", str(store), "--out", str(out), "--port", str(free_port())]
    env = {**os.environ, "COLUMNS": "200"}
    first = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert str(store) in first.stdout and str(out) in first.stdout
    files = sorted(out.glob("*.txt"))
    assert files
    for path in files:
        assert re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", path.name)
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest().startswith(path.name[4:20])
        text = data.decode("utf-8")
        assert not [c for c in CHROME if c in text], path.name
    texts = sorted(p.relative_to(store) for p in (store / "text").rglob("*.txt"))

    second = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert re.search(r"archived: 0 new, 0 changed", second.stdout), second.stdout
    assert sorted(p.relative_to(store) for p in (store / "text").rglob("*.txt")) == texts


def test_run_without_network_says_so_in_one_line(monkeypatch, tmp_path):
    import socket as socket_module

    def no_dns(host, *args, **kwargs):
        raise socket_module.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr("archive.run.sitecheck._resolve", no_dns)
    result = CliRunner().invoke(app, ["run", "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "no network" in result.output and "wjw run" in result.output
    assert not (tmp_path / "store").exists()  # nothing was crawled or written
