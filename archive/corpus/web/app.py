"""The web view's routes: the document list (search and filters), a document, the corpus in charts, the gaps.

Every page reads the store and the local search index; nothing is written
to the store. The index follows the store's latest manifest, checked at most
once every REFRESH_SECONDS, so a nightly run shows up without a restart.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from archive.corpus.figures import corpus_figures
from archive.corpus.gaps import KINDS, corpus_gaps
from archive.corpus.health import load_reports, site_health
from archive.corpus.history import HistoryError, document_history, pick_version
from archive.corpus.search import SearchIndex, default_index_path
from archive.corpus.select import STATUSES, CorpusFilter, lifecycle
from archive.corpus.web.charts import bar_chart, grid_chart, sparkline
from archive.store import KeyNotFound, Store
from archive.store.keys import blob_key

REFRESH_SECONDS = 60
PAGE_SIZE = 50
CONTENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword", "wps": "application/vnd.ms-works",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "xls": "application/vnd.ms-excel", "txt": "text/plain; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class CorpusView:
    """What the pages share: the store, its index (kept fresh) and the templates."""

    def __init__(self, store: Store, index_path: Path | None = None) -> None:
        self.store = store
        self.index = SearchIndex(index_path or default_index_path(store))
        self.lock = threading.Lock()
        self.checked = 0.0
        self.templates = Environment(loader=PackageLoader("archive.corpus.web", "templates"),
                                     autoescape=select_autoescape(["html"]))
        self.fresh()

    def fresh(self) -> SearchIndex:
        """The index, brought up to the store's latest manifest if it was last checked a while ago."""
        with self.lock:
            if time.monotonic() - self.checked > REFRESH_SECONDS:
                self.index.update(self.store)
                self.checked = time.monotonic()
        return self.index

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A page from its template."""
        page = self.templates.get_template(name).render(store=str(self.store), **context)
        return HTMLResponse(page, status_code=status_code)


def _filter_from(request: Request) -> CorpusFilter:
    q = request.query_params
    status = q.get("status") or "live"
    if status not in STATUSES:
        raise HTTPException(400, f"status must be one of {', '.join(STATUSES)}")
    year = q.get("year") or None
    if year is not None and not year.isdigit():
        raise HTTPException(400, "year must be a number")
    return CorpusFilter(year=int(year) if year else None, province=q.get("province") or None,
                        city=q.get("city") or None, level=q.get("level") or None,
                        doc_type=q.get("doc_type") or None, status=status)


async def document_list(request: Request) -> Response:
    view: CorpusView = request.app.state.view
    index = view.fresh()
    chosen = _filter_from(request)
    query = (request.query_params.get("q") or "").strip()
    asked = request.query_params.get("page") or "1"
    page = max(1, int(asked)) if asked.isdigit() else 1
    offset = (page - 1) * PAGE_SIZE
    result = index.search(query, chosen, PAGE_SIZE, offset) if query else index.browse(chosen, PAGE_SIZE, offset)
    params = {k: v for k, v in request.query_params.items() if k != "page" and v}
    more = urlencode(params | {"page": page + 1}) if offset + PAGE_SIZE < result.total else None
    return view.render("list.html", result=result, query=query, chosen=chosen, facets=index.facets(),
                       page=page, more=more)


def _versions(view: CorpusView, doc_id: str):
    try:
        return document_history(view.store, doc_id)
    except HistoryError:
        return []


async def document_page(request: Request) -> Response:
    view: CorpusView = request.app.state.view
    doc_id = request.path_params["doc_id"]
    line = view.fresh().line_of(doc_id)
    if line is None:
        raise HTTPException(404, f"no document {doc_id} in the corpus")
    record = line["record"]
    text = view.store.get(line["text_key"], line.get("text_version_id")).decode("utf-8")
    versions = _versions(view, doc_id)
    diff = None
    if len(versions) > 1 and request.query_params.get("from"):
        try:
            older = pick_version(versions, request.query_params["from"])
            newer = pick_version(versions, request.query_params.get("to") or "-1")
        except HistoryError as exc:
            raise HTTPException(400, str(exc)) from None
        diff = {"older": older, "newer": newer, "table": side_by_side(view.store, older, newer)}
    return view.render("document.html", record=record, line=line, text=text, versions=versions, diff=diff,
                       state=lifecycle(line))


def side_by_side(store: Store, older, newer) -> str:
    """The two versions' texts in two columns, changed lines marked (difflib's table, context only)."""
    a = store.get(older.text_key).decode("utf-8").splitlines()
    b = store.get(newer.text_key).decode("utf-8").splitlines()
    return difflib.HtmlDiff(wrapcolumn=32).make_table(a, b, f"v{older.number}", f"v{newer.number}",
                                                      context=True, numlines=1)


async def attachment(request: Request) -> Response:
    view: CorpusView = request.app.state.view
    line = view.fresh().line_of(request.path_params["doc_id"])
    sha = request.path_params["sha256"]
    found = next((a for a in (line or {}).get("record", {}).get("attachments", ()) if a["sha256"] == sha), None)
    if found is None:
        raise HTTPException(404, "no such attachment of this document")
    try:
        body = view.store.get(blob_key(sha))
    except KeyNotFound:
        raise HTTPException(404, f"{view.store.describe_key(blob_key(sha))} is missing; run `wjw verify`") from None
    name = found.get("name") or f"{sha[:16]}.{found['kind']}"
    return Response(body, media_type=CONTENT_TYPES.get(found["kind"], "application/octet-stream"),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"})


def _quote(name: str) -> str:
    return quote(name, safe="")


async def corpus_page(request: Request) -> Response:
    view: CorpusView = request.app.state.view
    lines = view.fresh().lines()
    figures = corpus_figures(lines)
    health = site_health(load_reports(view.store, 10))
    provinces = figures["provinces"]
    return view.render(
        "corpus.html", figures=figures,
        by_province=bar_chart("Plans per province", [(p, figures["per_province"][p]) for p in provinces]),
        grid=grid_chart("Plans per province and year", provinces, figures["years"], figures["per_province_year"]),
        removals=bar_chart("Removals per year", sorted(figures["removed_per_year"].items())),
        health=[(h, sparkline(list(h.items))) for h in health])


async def gaps_page(request: Request) -> Response:
    view: CorpusView = request.app.state.view
    site = request.query_params.get("site") or None
    year = request.query_params.get("year") or None
    every = corpus_gaps(view.fresh().lines())
    series = [s for s in every if (site is None or s.site_id == site) and (year is None or str(s.year) == year)]
    return view.render("gaps.html", series=series, kinds=KINDS, sites=sorted({s.site_id for s in every}),
                       years=sorted({s.year for s in every}), site=site, year=year,
                       missing=sum(len(s.missing) for s in series), seen=sum(len(s.seen) for s in series),
                       counts=Counter(s.kind for s in series))


async def error_page(request: Request, exc: HTTPException) -> Response:
    view: CorpusView = request.app.state.view
    return view.render("error.html", status_code=exc.status_code, detail=exc.detail, status=exc.status_code)


def create_app(store: Store, index_path: Path | None = None) -> Starlette:
    """The read-only web view of a store."""
    app = Starlette(routes=[
        Route("/", document_list),
        Route("/doc/{doc_id}", document_page),
        Route("/doc/{doc_id}/attachment/{sha256}", attachment),
        Route("/corpus", corpus_page),
        Route("/gaps", gaps_page),
    ], exception_handlers={HTTPException: error_page})
    app.state.view = CorpusView(store, index_path)
    return app
