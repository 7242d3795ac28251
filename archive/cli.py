"""`wjw`: run the archive from a shell (the DAGs call the same functions)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from archive.crawl import CrawlOptions
from archive.records import RunReport, Site
from archive.registry import DEFAULT_REGISTRY, RegistryError, load_sites, select_sites, sites_from_rows
from archive.store import StoreError, open_store

DEFAULT_STORE = os.environ.get("WJW_STORE", "wjw-data")

app = typer.Typer(help="wjw: an archive of Chinese health commissions' work plans.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
simweb_app = typer.Typer(help="The simulated web of health-commission sites.", no_args_is_help=True)
app.add_typer(simweb_app, name="simweb")
console = Console(stderr=True)


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def _open(store_uri: str, allow_unversioned: bool = False):
    try:
        return open_store(store_uri, allow_unversioned=allow_unversioned)
    except StoreError as exc:
        _fail(str(exc))


def _split(ids: Optional[str]) -> list[str]:
    return [i.strip() for i in (ids or "").split(",") if i.strip()]


@app.command()
def run(
    store: str = typer.Option(DEFAULT_STORE, help="A directory, file:// or s3://bucket/prefix (AWS_ENDPOINT_URL honoured)."),
    registry: Path = typer.Option(DEFAULT_REGISTRY, help="Site registry: a directory of YAML files or one file."),
    sites: Optional[str] = typer.Option(None, help="Comma-separated site ids (default: every enabled site)."),
    mode: str = typer.Option("nightly", help="nightly: stop at what is known; backfill: walk whole column history."),
    since: Optional[str] = typer.Option(None, help="Backfill: only documents listed on or after YYYY-MM-DD."),
    until: Optional[str] = typer.Option(None, help="Backfill: only documents listed on or before YYYY-MM-DD."),
    max_pages: Optional[int] = typer.Option(None, help="List pages per column at most."),
    workers: int = typer.Option(2, help="Sites crawled at the same time (each in its own process)."),
    allow_unversioned: bool = typer.Option(False, help="Write to an S3 bucket without versioning (history is lost)."),
) -> None:
    """Crawl the registry's sites, extract, dedup and store; print what was archived."""
    if mode not in ("nightly", "backfill"):
        _fail(f"--mode must be nightly or backfill, not {mode!r}")
    try:
        chosen = select_sites(load_sites(registry), _split(sites))
    except RegistryError as exc:
        _fail(str(exc))
    target = _open(store, allow_unversioned)
    report = _run(target, chosen, CrawlOptions(mode=mode, since=since, until=until, max_pages=max_pages), workers)
    _print_report(report)
    if any(s.failed for s in report.sites):
        raise typer.Exit(1)


def _run(store, sites: list[Site], options: CrawlOptions, workers: int) -> RunReport:
    from rich.progress import Progress

    from archive.pipeline import run_pipeline

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("crawling and archiving", total=2 * len(sites))

        def step(message: str) -> None:
            progress.update(task, advance=1, description=message)

        return run_pipeline(store, sites, options, workers=workers, progress=step)


def _print_report(report: RunReport) -> None:
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
    print(f"store: {report.store}")
    print(f"manifest: {report.manifest_key}   report: runs/{report.run_id}/report.json")


@app.command()
def extract(
    file: Path = typer.Argument(..., help="A saved HTML page."),
    url: str = typer.Option(..., help="The URL the page was fetched from."),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
) -> None:
    """Extract one saved page offline and print its document record."""
    from archive.classify import classify_title, plan_year
    from archive.extract import ExtractionError, extract_page

    try:
        body = file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: {exc.strerror}")
    try:
        page = extract_page(body, url)
    except ExtractionError as exc:
        _fail(f"{file}: {exc}")
    record = page.to_dict()
    verdict = classify_title(page.title or "")
    record |= {"source_url": url, "doc_type": verdict.doc_type, "plan_year": plan_year(page.title or "")}
    if as_json:
        print(json.dumps(record, ensure_ascii=False, indent=1))
    else:
        print(f"{record['title']}\n{record.get('published') or ''}\n\n{record['text']}")


@app.command()
def export(
    store: str = typer.Option(DEFAULT_STORE, help="The store to export from."),
    out: Path = typer.Option(Path("wjw-export"), help="Directory to write into."),
    fmt: str = typer.Option("txt", "--format", help="txt: NNN_<hash16>.txt files plus manifest.jsonl."),
    as_of: Optional[str] = typer.Option(None, help="Export the corpus as of this run id (default: latest)."),
) -> None:
    """Export the corpus to files."""
    from archive.export import export_txt
    from archive.manifest import ManifestError

    if fmt != "txt":
        _fail(f"--format {fmt!r} is not supported yet; use txt")
    try:
        files = export_txt(_open(store), out, as_of)
    except ManifestError as exc:
        _fail(str(exc))
    print(f"exported {len(files)} text files to {out}/ (index: {out / 'manifest.jsonl'})")


@app.command()
def demo(
    store: str = typer.Option(DEFAULT_STORE, help="Where to archive (a local directory by default)."),
    out: Path = typer.Option(Path("wjw-export"), help="Where to export the texts."),
    day: int = typer.Option(0, help="The simulated day to crawl."),
    port: int = typer.Option(8477, help="Port of the simulated sites; keep it fixed so their URLs (and doc ids) are stable."),
    workers: int = typer.Option(2, help="Sites crawled at the same time."),
) -> None:
    """Start the simulated sites, archive them, export the texts: the whole job, offline."""
    from archive.export import export_txt
    from simweb.server import SimWeb
    from simweb.world import build_world

    target = _open(store)
    with SimWeb(build_world(), day=day, port=port) as web:
        sites = sites_from_rows(web.registry_rows())
        console.print(f"simweb: {len(sites)} simulated sites on {web.base_url(sites[0].id)} …")
        report = _run(target, sites, CrawlOptions(mode="nightly"), workers)
    _print_report(report)
    files = export_txt(target, out)
    print(f"export: {len(files)} text files in {out.resolve()}/")
    if any(s.failed for s in report.sites):
        raise typer.Exit(1)


@simweb_app.command("serve")
def simweb_serve(
    day: int = typer.Option(0, help="The simulated day."),
    port: int = typer.Option(8477, help="Port every site listens on (each site has its own 127.77.0.N address)."),
    seed: int = typer.Option(0, help="World seed."),
) -> None:
    """Serve the simulated sites until Ctrl-C."""
    from simweb.server import serve

    serve(day=day, port=port, seed=seed)


def main() -> None:
    """Entry point for `python -m archive.cli`."""
    app()


if __name__ == "__main__":
    sys.exit(main())
