"""What the commands share: one console, one way to fail, and running and reporting a crawl."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console
from rich.table import Table

from archive.records import RunReport, Site
from archive.store import StoreError, open_store
from archive.store.keys import report_key

if TYPE_CHECKING:
    from archive.run.crawl import CrawlOptions

DEFAULT_STORE = os.environ.get("WJW_STORE", "wjw-data")
# soft_wrap: an error is one line however narrow the terminal (or 80 columns when piped).
console = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> None:
    """Print one error line and exit 1."""
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def open_or_fail(store_uri: str, allow_unversioned: bool = False):
    """Open a store, or fail in one line naming it."""
    try:
        return open_store(store_uri, allow_unversioned=allow_unversioned)
    except StoreError as exc:
        fail(str(exc))


def split_ids(ids: Optional[str]) -> list[str]:
    """Comma-separated ids as a list."""
    return [i.strip() for i in (ids or "").split(",") if i.strip()]


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
    from rich.progress import Progress

    from archive.run.pipeline import one_line, run_pipeline  # noqa: PLC0415

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("crawling and archiving", total=2 * len(sites))

        def step(message: str) -> None:
            progress.update(task, advance=1, description=message)

        try:
            return run_pipeline(store, sites, options, workers=workers, progress=step)
        except (StoreError, OSError) as exc:
            # What was stored stays; the next run finishes what this one left (DESIGN.md, the commit protocol).
            fail(f"{one_line(exc)}; what was archived is kept, and rerunning the same command finishes the job")


def print_report(report: RunReport) -> None:
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
    for site_id, flags in sorted(report.health_flags.items()):
        print(f"health: {site_id}: {'; '.join(flags)}")
    print(f"store: {report.store}")
    print(f"manifest: {report.manifest_key}   report: {report_key(report.run_id)}")


def exit_for(report: RunReport) -> None:
    """Name the sites that yielded nothing; fail the command only when a crawl itself broke.

    A site that is down or blocked tonight is news for the operator, not a
    failed run: the other sites were archived. A crawl process that crashed
    (no WARC left) is a defect to fix, and the exit code says so.
    """
    for site in report.sites:
        if site.failed:
            console.print(f"[yellow]warning:[/yellow] site {site.site_id}: {site.failed}")
    if any(site.failed and not site.warc_key for site in report.sites):
        raise typer.Exit(1)
