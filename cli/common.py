"""What the commands share: one console, one way to fail, and running and reporting a crawl."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from archive.records import RunReport, Site
from archive.store import StoreError, open_store
from archive.store.keys import report_key
from cli.errors import fail
from cli.progress import ProgressDisplay

if TYPE_CHECKING:
    from archive.run.crawl import CrawlOptions

DEFAULT_STORE = os.environ.get("WJW_STORE", "wjw-data")
DEFAULT_WORKERS = 4  # sites crawled at once by `run` and `demo` alike; the nightly DAG's pool says the same
# soft_wrap: an error is one line however narrow the terminal (or 80 columns when piped).
console = Console(stderr=True, soft_wrap=True)


def open_or_fail(store_uri: str, allow_unversioned: bool = False, must_exist: bool = False):
    """Open a store, or fail in one line naming it; a read-only command asks for one that exists."""
    if must_exist and "://" not in store_uri and not Path(store_uri).is_dir():
        fail(f"no store at {store_uri}: pass --store (or set WJW_STORE) to where `wjw run` archived")
    try:
        return open_store(store_uri, allow_unversioned=allow_unversioned)
    except StoreError as exc:
        fail(str(exc))


def split_ids(*groups: Iterable[str] | str | None) -> list[str]:
    """Site ids from repeated arguments and comma-separated options alike, in order, once each."""
    ids: list[str] = []
    for group in groups:
        for item in [group] if isinstance(group, str) else (group or []):
            ids += [i.strip() for i in item.split(",") if i.strip() and i.strip() not in ids]
    return ids


def check_day(option: str, value: str | None) -> None:
    """Fail unless a date option is a real day written YYYY-MM-DD (the crawl's own rule)."""
    from archive.run.crawl import is_day  # noqa: PLC0415 - the crawl stage only when a date is given

    if value is not None and not is_day(value):
        fail(f"{option} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2019-01-01")


def print_json(data: object) -> None:
    """Machine-readable output on stdout, Chinese kept readable."""
    print(json.dumps(data, ensure_ascii=False, indent=1))


def check_render(sites: list[Site], render: bool) -> None:
    """With --render, make sure a browser is there for the sites that need one, before anything is crawled."""
    if not render:
        return
    needing = [s.id for s in sites if s.render]
    if not needing:
        console.print("[yellow]note:[/yellow] --render changes nothing: no chosen site is marked render: true")
        return
    from archive.run.browser import RenderUnavailable, find_chromium

    try:
        console.print(f"rendering {', '.join(needing)} with {find_chromium()}")
    except RenderUnavailable as exc:
        fail(f"--render: {', '.join(needing)}: {exc}")


def run_sites(store, sites: list[Site], options: CrawlOptions, workers: int) -> RunReport:
    """Crawl and archive the sites, showing progress on stderr; a store that fails the whole run is one line."""
    from archive.run.pipeline import one_line, run_pipeline  # noqa: PLC0415

    with ProgressDisplay(len(sites), console) as progress:
        try:
            return run_pipeline(store, sites, options, workers=workers, progress=progress)
        except (StoreError, OSError) as exc:
            # What was stored stays; the next run finishes what this one left (DESIGN.md, the commit protocol).
            fail(f"{one_line(exc)}; what was archived is kept, and rerunning the same command finishes the job")


def print_report(report: RunReport, as_json: bool = False) -> None:
    """The run's report: a table per site and what to look at next, or the report itself as JSON."""
    if as_json:
        print_json(report.to_dict())
        return
    table = Table(title=f"run {report.run_id} ({report.mode})")
    for column in ("site", "pages", "plans", "new", "changed", "unchanged", "dup", "skipped", "errors"):
        table.add_column(column, justify="left" if column in ("site", "skipped", "errors") else "right")
    for s in report.sites:
        reasons = lambda counts: ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))  # noqa: E731
        errors = reasons(s.errors) + (f" FAILED: {s.failed}" if s.failed else "")
        table.add_row(s.site_id, str(s.pages_fetched), str(s.plans_found), str(s.new), str(s.changed),
                      str(s.unchanged), str(s.duplicates), reasons(s.skipped), errors)
    # Piped output gets a fixed width so the reasons are not cut to '…'.
    Console(width=None if sys.stdout.isatty() else 160).print(table)
    print(f"archived: {report.total('new')} new, {report.total('changed')} changed, "
          f"{report.total('unchanged')} unchanged documents; {report.documents_total} in the corpus")
    for s in report.sites:
        if s.browser_requests:
            print(f"rendered: {s.site_id}: Chromium sent {s.browser_requests} requests (documents and their scripts)")
    for s in report.sites:
        for reason, urls in sorted(s.error_samples.items()):
            print(f"errors: {s.site_id}: {reason}: {' '.join(urls)}")
    for site_id, flags in sorted(report.health_flags.items()):
        print(f"health: {site_id}: {'; '.join(flags)}")
    print(f"store: {report.store}")
    print(f"manifest: {report.manifest_key}   report: {report_key(report.run_id)}")
    print(f"details, logs: wjw runs show {report.run_id} --store {report.store}")


def exit_for(report: RunReport) -> None:
    """Name the sites that yielded nothing; fail the command only when a crawl itself broke.

    A site that is down or blocked tonight is news for the operator, not a
    failed run: the other sites were archived. A crawl process that crashed
    (no WARC left) is a defect to fix, and the exit code says so.
    """
    for site in report.sites:
        if site.failed:
            console.print(f"[yellow]warning:[/yellow] site {site.site_id}: {escape(site.failed)}")
    if any(site.failed and not site.warc_key for site in report.sites):
        raise typer.Exit(1)
