"""Turn a site's captures into stored documents: extract, type, dedup, version."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from archive.captures import Capture, read_captures
from archive.classify import classify_title, plan_year
from archive.extract import EXTRACTOR_VERSION, ExtractionError, extract_page
from archive.records import Document, Duplicate, Extractor, Region, Site, SiteReport
from archive.state import SiteState, load_state, save_state
from archive.store import KeyNotFound, Store

EXTRACTOR = Extractor(name="wjw-extract", version=EXTRACTOR_VERSION)


def text_key(sha256: str) -> str:
    """Where a text lives: text/ab/<sha256>.txt."""
    return f"text/{sha256[:2]}/{sha256}.txt"


def doc_key(doc_id: str) -> str:
    """Where a document's record lives."""
    return f"docs/{doc_id}.json"


def doc_id_for(site_id: str, url: str) -> str:
    """A document's stable id: its site and a hash of its URL."""
    return f"{site_id}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:12]}"


@dataclass
class TextIndex:
    """Which documents hold which text, for exact-duplicate detection across the archive."""

    by_sha: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store) -> TextIndex:
        """Build the index from every document record in the store."""
        index = cls()
        for key in store.list("docs/"):
            record = json.loads(store.get(key))
            index.add(record["text_sha256"], record["doc_id"], record["source_url"])
        return index

    def add(self, sha: str, doc_id: str, url: str) -> None:
        """Note that a document holds a text."""
        holders = self.by_sha.setdefault(sha, [])
        if all(d != doc_id for d, _ in holders):
            holders.append((doc_id, url))

    def others(self, sha: str, doc_id: str) -> list[tuple[str, str]]:
        """The other documents holding the same text."""
        return [(d, u) for d, u in self.by_sha.get(sha, []) if d != doc_id]


def ingest_warc(store: Store, site: Site, warc_key: str, index: TextIndex, report: SiteReport) -> None:
    """Extract and store every work-plan detail page of a site's WARC."""
    state = load_state(store, site.id)
    stream = io.BytesIO(store.get(warc_key))
    for capture in read_captures(stream):
        report.pages_fetched += 1
        if capture.kind == "list":
            report.list_pages += 1
        elif capture.kind == "detail":
            report.detail_pages += 1
            ingest_capture(store, site, capture, index, report, state)
    state.updated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    save_state(store, state)


def ingest_capture(
    store: Store, site: Site, capture: Capture, index: TextIndex, report: SiteReport, state: SiteState
) -> None:
    """Store one detail page as a document, or count why not."""
    seen = state.documents.get(capture.url)
    if capture.status == 304:
        report.plans_found += 1
        report.unchanged += 1
        if seen:
            seen["last_seen"] = capture.fetched_at
        return
    if capture.status != 200:
        return  # counted by the spider as an error with its HTTP status
    try:
        page = extract_page(capture.body, capture.url, capture.headers)
    except ExtractionError:
        report.skip("empty_page")
        return
    title = page.title or capture.meta.get("title") or ""
    verdict = classify_title(title)
    if not verdict.is_plan:
        report.skip("not_a_work_plan")
        return
    if not page.text.strip():
        report.skip("empty_text")
        return
    report.plans_found += 1
    data = page.text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    store.put(text_key(sha), data, if_absent=True, content_type="text/plain; charset=utf-8")
    doc_id = doc_id_for(site.id, capture.url)
    others = index.others(sha, doc_id)
    document = Document(
        doc_id=doc_id,
        title=title,
        text_sha256=sha,
        text_key=text_key(sha),
        source_url=capture.url,
        site_id=site.id,
        agency=page.agency or site.name,
        region=Region(code=site.region_code, province=site.province, city=site.city, county=site.county),
        level=site.level,
        plan_year=plan_year(title),
        published=page.published or capture.meta.get("date"),
        written=page.written,
        doc_number=page.doc_number,
        index_number=page.index_number,
        doc_type=verdict.doc_type,
        encoding=page.encoding,
        fetched_at=capture.fetched_at,
        extractor=EXTRACTOR,
        duplicates=tuple(Duplicate(url=u, sha256=sha, similarity=1.0) for _, u in others),
        cluster_id=sha[:16] if others else None,
    )
    if others:
        report.duplicates += 1
    outcome = _write_document(store, document)
    setattr(report, outcome, getattr(report, outcome) + 1)
    index.add(sha, doc_id, capture.url)
    state.documents[capture.url] = {
        "doc_id": doc_id,
        "text_sha256": sha,
        "etag": capture.headers.get("etag"),
        "last_modified": capture.headers.get("last-modified"),
        "last_seen": capture.fetched_at,
    }


def _write_document(store: Store, document: Document) -> str:
    """Write a record only when its content changed: 'new', 'changed' or 'unchanged'."""
    key = doc_key(document.doc_id)
    try:
        previous = Document.from_dict(json.loads(store.get(key)))
    except KeyNotFound:
        previous = None
    if previous is not None and previous.same_content(document):
        return "unchanged"
    body = json.dumps(document.to_dict(), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    store.put(key, body, content_type="application/json")
    return "new" if previous is None else "changed"
