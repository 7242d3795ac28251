"""The researcher's commands: `wjw export`, `wjw search`, `wjw gaps` and `wjw serve` (the corpus in a browser)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from archive.store import StoreError
from cli.common import DEFAULT_STORE, console, fail, open_or_fail
from cli.errors import check_choice, os_error


def register(app: typer.Typer) -> None:
    """Add `export`, `search`, `gaps` and `serve` to the `wjw` command."""
    app.command()(export)
    app.command()(search)
    app.command()(gaps)
    app.command()(serve)


def corpus_filter(year, province, city, level, status, doc_type=None, include_duplicates=False, site=None):
    """The shared filter options as a CorpusFilter, failing in one line on a status that does not exist."""
    from archive.corpus.select import STATUSES, CorpusFilter

    check_choice("--status", status, STATUSES)
    return CorpusFilter(year=year, province=province, city=city, level=level, status=status, doc_type=doc_type,
                        include_duplicates=include_duplicates, site=site)


def export(
    store: str = typer.Option(DEFAULT_STORE, help="The store to export from."),
    out: Path = typer.Option(Path("wjw-export"), help="Directory to write into (nothing in it is deleted)."),
    fmt: str = typer.Option("txt", "--format",
                            help="txt: NNN_<hash16>.txt files plus manifest.jsonl; jsonl: corpus.jsonl; "
                                 "parquet: corpus.parquet; wacz: <site>.wacz per site, its captures for "
                                 "ReplayWeb.page or pywb."),
    as_of: str | None = typer.Option(None, help="Export the corpus as of this run id (default: latest)."),
    site: str | None = typer.Option(None, help="Only this site's documents (a registry id, e.g. hangzhou-wsjkw)."),
    year: int | None = typer.Option(None, help="Only plans for this year (or published in it, if no plan year)."),
    province: str | None = typer.Option(None, help="Only this province: a name (浙江省, 浙江) or GB/T 2260 code."),
    city: str | None = typer.Option(None, help="Only this city (杭州市 or 杭州)."),
    level: str | None = typer.Option(None, help="Only this level: national, province, city, county."),
    status: str = typer.Option("live", help="live, removed (taken down by the site) or all."),
    include_duplicates: bool = typer.Option(False, help="Also export the non-canonical copies of each plan."),
) -> None:
    """Export the corpus as of a run, one canonical copy per plan: `wjw export --format parquet --province 浙江`.

    `wjw export --format wacz --site hangzhou-wsjkw --out replay/` packages a site's captures for ReplayWeb.page.
    """
    from archive.corpus.export import FORMATS, ExportError, export_corpus
    from archive.corpus.manifest import ManifestError
    from archive.corpus.select import FilterError
    from archive.corpus.wacz import WaczError

    check_choice("--format", fmt, FORMATS)
    chosen = corpus_filter(year, province, city, level, status, include_duplicates=include_duplicates, site=site)
    try:
        # Read-only commands may read an unversioned bucket: only writing there loses history.
        result = export_corpus(open_or_fail(store, allow_unversioned=True, must_exist=True), out, fmt, as_of, chosen)
    except ManifestError as exc:
        from archive.corpus.runs import run_ids

        known = run_ids(open_or_fail(store, allow_unversioned=True))
        fail(f"{exc}" + (f"; runs in this store: {', '.join(known[-5:])}" if as_of and known else ""))
    except (StoreError, FilterError, ExportError, WaczError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot export to {out}/: {os_error(exc)}")
    print(f"exported {result.documents} documents as {len(result.files)} {fmt} file(s) to {out}/")


def search(
    text: str = typer.Argument(..., help="What to find: any run of two or more characters, e.g. 健康 or 家庭医生签约."),
    store: str = typer.Option(DEFAULT_STORE, help="The store to search."),
    province: str | None = typer.Option(None, help="Only this province: a name (浙江省, 浙江) or GB/T 2260 code."),
    city: str | None = typer.Option(None, help="Only this city (杭州市 or 杭州)."),
    level: str | None = typer.Option(None, help="Only this level: national, province, city, county."),
    year: int | None = typer.Option(None, help="Only plans for this year (or published in it, if no plan year)."),
    status: str = typer.Option("live", help="live, removed (taken down by the site) or all."),
    include_duplicates: bool = typer.Option(False, help="Also list the republished copies of each plan."),
    limit: int = typer.Option(20, help="Print at most this many documents."),
    index: Path | None = typer.Option(None, help="The index file (default: one per store in ~/.cache/wjw/search/)."),
    as_json: bool = typer.Option(False, "--json", help="Print the total and the hits as JSON."),
) -> None:
    """Find every document whose title or text contains TEXT: `wjw search 家庭医生 --province 浙江 --year 2023`."""
    from archive.corpus.search import SearchError, open_index
    from archive.corpus.select import FilterError

    chosen = corpus_filter(year, province, city, level, status, include_duplicates=include_duplicates)
    target = open_or_fail(store, allow_unversioned=True, must_exist=True)
    try:
        with console.status("updating the search index…"):
            opened = open_index(target, index)
        with opened:
            chosen.validate(line["record"] for line in opened.lines())
            result = opened.search(text, chosen, limit=limit)
    except (SearchError, FilterError, StoreError) as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps({"query": result.query, "total": result.total, "hits": [h.to_dict() for h in result.hits]},
                         ensure_ascii=False, indent=1))
        return
    for hit in result.hits:
        flag = "" if hit.status == "live" else f" [{hit.status}]"
        print(f"{hit.doc_id}  {hit.published or '-'}  {hit.agency or '-'}{flag}\n  {hit.title}\n  {hit.source_url}\n"
              f"  {hit.snippet}")
    print(f"{result.total} document(s) contain {text!r}" + (f"; first {limit} shown" if result.total > limit else ""))


def gaps(
    store: str = typer.Option(DEFAULT_STORE, help="The store to read."),
    site: str | None = typer.Option(None, help="Only this site id."),
    year: int | None = typer.Option(None, help="Only serials of this year."),
    as_json: bool = typer.Option(False, "--json", help="Print every series with its serials and gaps as JSON."),
) -> None:
    """Per agency and year, the 索引号 and 文号 serials seen and the gaps between them: `wjw gaps --site sim-hb-wjw`."""
    from archive.corpus.gaps import GapsError, corpus_gaps, series_line
    from archive.corpus.manifest import ManifestError, read_manifest

    target = open_or_fail(store, allow_unversioned=True, must_exist=True)
    try:
        series = corpus_gaps(list(read_manifest(target)), site=site, year=year)
    except (GapsError, ManifestError, StoreError) as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps([s.to_dict() for s in series], ensure_ascii=False, indent=1))
        return
    for entry in series:
        print(series_line(entry))
    missing = sum(len(s.missing) for s in series)
    print(f"{len(series)} series: {sum(len(s.seen) for s in series)} serials seen, {missing} missing")


def serve(
    store: str = typer.Option(DEFAULT_STORE, help="The store to show (a directory or s3://bucket/prefix)."),
    port: int = typer.Option(8480, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    index: Path | None = typer.Option(None, help="The search index file (default: one per store in ~/.cache/wjw/search/)."),
) -> None:
    """Browse the corpus read-only: documents, versions and diffs, charts, gaps: `wjw serve --port 8480`."""
    import uvicorn

    from archive.corpus.web import create_app

    target = open_or_fail(store, allow_unversioned=True, must_exist=True)
    try:
        web = create_app(target, index)
    except StoreError as exc:
        fail(str(exc))
    console.print(f"serving {target} on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(web, host=host, port=port, log_level="warning")
