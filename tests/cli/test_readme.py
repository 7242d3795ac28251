"""The README's commands, as written: each `uv run wjw …` line of its code blocks runs, or at least parses.

A line that reads the store runs for real, in a directory whose `wjw-data`
holds one archived simweb site, and must exit 0; `DOC_ID`, `RUN_ID` and
`SITE` (the README says they stand for ids the store shows) are filled in
from that store. A line that would crawl the real commission sites, need an
S3 bucket, or serve until Ctrl-C is parsed by the very command tree `wjw`
runs, so a wrong flag or a stray argument (`sites check a b` once failed so)
still fails here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from archive.run.crawl import CrawlOptions
from archive.run.pipeline import run_pipeline
from archive.store import open_store
from cli.main import command
from tests.simweb_helpers import FAST, site_of_family

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGE = next((ROOT / "tests" / "fixtures" / "realpages").rglob("*.html"))

# Lines that reach the real sites or an S3 bucket, or run until stopped: parsed, not run.
PARSED_ONLY = (
    re.compile(r"^wjw run(?! --reextract)"),  # crawls the real registry
    re.compile(r"^wjw run --reextract"),  # the real registry's sites, whose WARCs this store lacks
    re.compile(r"^wjw sites check"),  # asks the real sites
    re.compile(r"^wjw simweb serve"),  # until Ctrl-C
    re.compile(r"^wjw serve"),  # until Ctrl-C (tests/corpus/test_web.py serves it to Chromium)
    re.compile(r"^wjw demo"),  # minutes of crawling (tests/cli/test_cli.py runs it)
)


def readme_commands() -> list[str]:
    """Every `uv run wjw …` line in the README's shell blocks, comment and `uv run` stripped."""
    commands, in_block = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```sh"
            continue
        if in_block and line.startswith("uv run wjw"):
            commands.append(line.removeprefix("uv run ").split("  #")[0].strip())
    return commands


def test_the_readme_has_its_commands():
    commands = readme_commands()
    assert len(commands) >= 20
    assert "wjw sites check hb-wjw jinan-jnmhc" in commands


def parse(args: list[str]) -> None:
    """Parse a command line down to its leaf command, as `wjw` would, without running it."""
    cmd = command()
    ctx = cmd.make_context("wjw", list(args))
    while hasattr(cmd, "commands"):
        name, sub, rest = cmd.resolve_command(ctx, ctx._protected_args + ctx.args)
        ctx = sub.make_context(name, rest, parent=ctx)
        cmd = sub


@pytest.fixture(scope="module")
def workdir(simweb, tmp_path_factory) -> dict:
    """A directory whose wjw-data holds one archived simweb site, and the ids the README leaves open."""
    cwd = tmp_path_factory.mktemp("readme")
    store = open_store(str(cwd / "wjw-data"))
    site = site_of_family(simweb, "trs")
    report = run_pipeline(store, [site], CrawlOptions(settings=FAST), workers=1)
    (cwd / "page.html").write_bytes(PAGE.read_bytes())
    doc_id = next(store.list("docs/")).removeprefix("docs/").removesuffix(".json")
    return {"cwd": cwd, "DOC_ID": doc_id, "RUN_ID": report.run_id, "SITE": site.id}


@pytest.mark.parametrize("line", readme_commands())
def test_every_readme_command_runs_as_written(line, workdir):
    args = shlex.split(line)[1:]
    if any(pattern.search(line) for pattern in PARSED_ONLY):
        parse(args)
        return
    args = [workdir.get(arg, arg) for arg in args]
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("WJW_STORE", None)
    result = subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=workdir["cwd"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (line, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    if "--json" in args:
        json.loads(result.stdout)
