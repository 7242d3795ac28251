"""`wjw simweb check`: every site of every family walked over HTTP agrees with the ground truth, day after day."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from simweb import SimWeb, build_world
from simweb.check import check, probe_fault

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def web():
    with SimWeb(build_world(0), day=0) as running:
        yield running


@pytest.mark.parametrize("day", [0, 1, 2])
def test_every_site_agrees_with_the_ground_truth(web, day):
    web.set_day(day)
    try:
        started = time.monotonic()
        result = check(web)
        elapsed = time.monotonic() - started
    finally:
        web.set_day(0)
    assert result.problems == []
    assert result.sites >= 40 and result.families == 6 and result.documents >= 600 and result.faults >= 10
    assert result.line().endswith("consistent=yes")
    assert elapsed < 20


def test_check_notices_a_fault_that_is_not_served(web):
    fault = next(f for f in web.faults() if f["fault"] == "http_500")
    assert probe_fault(web, fault) is None
    assert probe_fault(web, {**fault, "fault": "http_404"}) is not None
    clean = next(r for r in web.truth() if not r["faults"])
    assert probe_fault(web, {**fault, "url": clean["url"], "fault": "truncated_body"}) is not None


def test_every_declared_fault_of_every_day_is_served(web):
    seen = set()
    for day in range(4):
        web.set_day(day)
        try:
            for fault in web.faults():
                if fault["fault"] in ("timeout", "slow_body") and fault["fault"] in seen:
                    continue  # one of each slow kind is enough
                assert probe_fault(web, fault) is None, fault
                seen.add(fault["fault"])
        finally:
            web.set_day(0)
    assert len(seen) == 17  # every name in FAULT_NAMES


def test_cli_check_prints_the_figure_and_exports_truth(tmp_path):
    out = tmp_path / "truth.jsonl"
    done = subprocess.run([sys.executable, "-m", "cli.main", "simweb", "check", "--day", "1", "--truth-out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("sites=49 families=6 documents=") and last.endswith(" consistent=yes")
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    documents = [line["document"] for line in lines if "document" in line]
    faults = [line["fault"] for line in lines if "fault" in line]
    assert f"documents={len(documents)} " in last and f"faults={len(faults)} " in last
    assert all(fault["day"] == 1 for fault in faults)
    removals = [line["removal"] for line in lines if "removal" in line]
    # The truth of what simweb takes down: dozens of each kind, each with the URL the crawler sees.
    kinds = {kind: sum(r["kind"] == kind for r in removals) for kind in ("404", "410", "page", "unlisted", "comeback")}
    assert min(kinds.values()) >= 24 and all(r["url"].endswith(r["path"]) for r in removals)
