"""Turn a site's captures into stored documents: extract, type, dedup, version."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

from archive.classify import classify_title, plan_year
from archive.dedup.index import DedupIndex, Member, member_for
from archive.extract.attachments import (
    AttachmentError,
    AttachmentText,
    extract_attachment,
)
from archive.extract.blocking import blocked_reason, removal_notice
from archive.extract.decode import decode_html
from archive.extract.files import file_page as file_page_from_text
from archive.extract.html import (
    EXTRACTOR_VERSION,
    ExtractedPage,
    ExtractionError,
    document_text,
    extract_page,
)
from archive.extract.region import region_for
from archive.extract.sniff import sniff_detail
from archive.records import Attachment, Document, Duplicate, Extractor, Site, SiteReport
from archive.run import killpoints
from archive.run.captures import (
    Capture,
    local_warc,
    read_captures,
    read_crawl_summary_file,
)
from archive.run.recover import advance_state, load_or_rebuild
from archive.store import KeyNotFound, Store
from archive.store.keys import blob_key, doc_key, text_key
from archive.store.state import SiteState

EXTRACTOR = Extractor(name="wjw-extract", version=EXTRACTOR_VERSION)


def doc_id_for(site_id: str, url: str) -> str:
    """A document's stable id: its site and a hash of its URL."""
    return f"{site_id}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:12]}"


def ingest_warc(
    store: Store, site: Site, warc_key: str, index: DedupIndex, report: SiteReport, *, relink: bool = True,
    warn: Callable[[str], None] = lambda _: None,
) -> None:
    """Extract and store every work-plan detail page of a site's WARC, then advance the site's state.

    The order is the commit protocol's (DESIGN.md): blobs and texts, records, the
    index segment, and only then the state, which learns only outcomes the store
    now holds. Every step is idempotent, so ingesting a WARC again (a run
    finishing what a killed one left) changes nothing that was already done.

    With `relink`, the records of older documents that gained or lost a duplicate
    are rewritten at the end of this WARC; a caller ingesting several WARCs in
    one run passes False and calls `relink_clusters` once, so a document gets at
    most one new version per run.
    """
    state = load_or_rebuild(store, site.id, warn)
    outcomes = Outcomes()
    with local_warc(store, warc_key) as path:
        # Attachments are fetched after the page that links them: a first pass reads them all.
        attachments = store_attachments(store, _captures(path), report)
        for capture in _captures(path):
            report.pages_fetched += 1
            if capture.kind == "list":
                report.list_pages += 1
            elif capture.kind == "detail":
                report.detail_pages += 1
                ingest_capture(store, site, capture, index, report, state, attachments, outcomes)
        summary = read_crawl_summary_file(path)
    index.flush(store, segment_name(warc_key))
    killpoints.reached("index_flushed")
    if relink:
        relink_clusters(store, index, report)
    if summary is not None:
        outcomes.settled.update(summary.listed)
    advance_state(store, site.id, outcomes.apply, warn)
    killpoints.reached("state_saved")


def _captures(path: Path) -> Iterator[Capture]:
    with path.open("rb") as stream:
        yield from read_captures(stream)


@dataclass
class Outcomes:
    """What ingesting a WARC settled, to be merged into the site's state once the store holds it."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)  # URL → time a 304 revisit found it unchanged
    settled: set[str] = field(default_factory=set)  # list entries settled by their title (the spider's)
    pages: dict[str, dict[str, str]] = field(default_factory=dict)  # URL → why a fetched page made no document
    gone: dict[str, dict[str, Any]] = field(default_factory=dict)  # URL → {gone: n, gone_since, removed}

    def apply(self, state: SiteState) -> bool:
        """Merge into `state`; True when anything but a last-seen time changed (a new version is worth it)."""
        before = _state_content(state)
        for url, entry in self.documents.items():
            current = state.documents.get(url)
            if current and (current.get("last_seen") or "") > entry["last_seen"]:
                continue  # another run stored a newer outcome meanwhile
            first_seen = min(filter(None, [(current or {}).get("first_seen"), entry["first_seen"]]))
            state.documents[url] = entry | {"first_seen": first_seen}
            state.skipped.pop(url, None)
        for url, when in self.seen.items():
            if url in state.documents and (state.documents[url].get("last_seen") or "") < when:
                state.documents[url]["last_seen"] = when
            for key in _GONE_KEYS:
                state.documents.get(url, {}).pop(key, None)
        for url, gone in self.gone.items():
            if url in state.documents:
                state.documents[url] |= gone
        for url, entry in self.pages.items():
            if url not in state.documents:
                first_seen = (state.skipped.get(url) or {}).get("first_seen") or entry["first_seen"]
                state.skipped[url] = entry | {"first_seen": first_seen}
        state.listed = sorted(set(state.listed) | (self.settled - set(state.documents) - set(state.skipped)))
        # last_seen alone does not make a new state version: the WARC already records every visit,
        # and an unchanged night should leave the store as it was.
        if _state_content(state) == before:
            return False
        state.updated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return True


_GONE_KEYS = ("gone", "gone_since", "removed")


def removal_nights() -> int:
    """How many revisits in a row must find a document gone before it is marked removed (WJW_REMOVAL_NIGHTS).

    One 404 is often a passing fault (a CMS being republished, a proxy's bad
    night); a document gone on three revisits is gone.
    """
    try:
        return max(1, int(os.environ.get("WJW_REMOVAL_NIGHTS", "3")))
    except ValueError:
        return 3


def observe_gone(store: Store, url: str, seen: dict[str, Any], capture: Capture, report: SiteReport,
                 outcomes: Outcomes) -> None:
    """A known document answered 404/410 or a 已删除 page: count it, and mark it removed once confirmed."""
    count = int(seen.get("gone") or 0) + 1
    since = seen.get("gone_since") or capture.fetched_at
    report.skip("gone_on_revisit")
    removed = bool(seen.get("removed"))
    if count >= removal_nights() and not removed:
        record = _read_record(store, seen.get("doc_id"))
        if record is not None and record.status != "removed":
            _put_document(store, dataclasses.replace(record, status="removed", removed_at=since))
            report.removed += 1
            report.removed_ids.append(record.doc_id)
        removed = True
    outcomes.gone[url] = {"gone": count, "gone_since": since, "removed": removed}


def restore(store: Store, seen: dict[str, Any], report: SiteReport) -> None:
    """A removed document that answers again, unchanged: live again (its record's history keeps both events)."""
    record = _read_record(store, seen.get("doc_id"))
    if record is not None and record.status == "removed":
        _put_document(store, dataclasses.replace(record, status="live", removed_at=None))
        report.restored += 1
        report.changed_ids.append(record.doc_id)


def _says_removed(body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether a 200 page only says its document was taken down (a soft 404)."""
    try:
        decoded = decode_html(body, headers.get("content-type"))
        tree = lxml.html.fromstring(decoded.text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return False
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    title = " ".join(tree.xpath("//title//text()"))
    return removal_notice(tree.text_content(), title)


def segment_name(warc_key: str) -> str:
    """The index segment a WARC's new documents go to: named after the WARC (`<run_id>-<site>`)."""
    return warc_key.rsplit("/", 1)[-1].removesuffix(".gz").removesuffix(".warc")


def store_attachments(
    store: Store, captures: Iterable[Capture], report: SiteReport
) -> dict[str, list[tuple[Attachment, AttachmentText | None]]]:
    """Keep every fetched attachment in blobs/ and read its text; grouped by the page that links it."""
    by_page: dict[str, list[tuple[Attachment, AttachmentText | None]]] = {}
    for capture in captures:
        if capture.kind != "attachment" or capture.status != 200 or blocked_reason(capture.status, capture.body):
            continue
        if capture.oversize:
            report.skip("attachment_oversize")
            continue
        record, text = store_file(store, capture, report)
        by_page.setdefault(capture.meta.parent or "", []).append((record, text))
    return by_page


def store_file(store: Store, capture: Capture, report: SiteReport) -> tuple[Attachment, AttachmentText | None]:
    """Keep a fetched file in blobs/ and read its text (None, counted, when it cannot be read)."""
    sha = hashlib.sha256(capture.body).hexdigest()
    store.put(blob_key(sha), capture.body, if_absent=True, content_type=capture.headers.get("content-type"))
    killpoints.reached("blob_written")
    try:
        text = extract_attachment(capture.body, capture.url, capture.headers.get("content-type"))
    except AttachmentError:
        report.skip("attachment_unreadable")
        text = None
    record = Attachment(url=capture.url, blob_key=blob_key(sha), sha256=sha,
                        kind=text.kind if text else "unknown", name=capture.meta.title or "")
    return record, text


def ingest_capture(
    store: Store, site: Site, capture: Capture, index: DedupIndex, report: SiteReport, state: SiteState,
    attachments: Mapping[str, list[tuple[Attachment, AttachmentText | None]]] | None = None,
    outcomes: Outcomes | None = None,
) -> None:
    """Store one detail page as a document, or count why not; note the outcome in `outcomes`."""
    outcomes = outcomes if outcomes is not None else Outcomes()
    # The URL the list linked to names the document, whatever redirects led elsewhere.
    url = capture.meta.listed or capture.url

    def settle(reason: str) -> None:
        report.skip(reason)
        outcomes.pages[url] = {"reason": reason, "first_seen": capture.fetched_at}

    seen = state.documents.get(url)
    if capture.status == 304:
        report.plans_found += 1
        report.unchanged += 1
        if seen:
            outcomes.seen[url] = capture.fetched_at
            if seen.get("removed"):
                restore(store, seen, report)
        return
    if seen and capture.status in (404, 410):
        observe_gone(store, url, seen, capture, report, outcomes)
        return
    if capture.status != 200 or blocked_reason(capture.status, capture.body):
        return  # counted by the spider: an HTTP error, or a challenge page (never archived); fetched again
    if capture.oversize:
        settle("oversize")
        return
    sniffed = sniff_detail(capture.body, capture.url, capture.headers.get("content-type"))
    if seen and sniffed.kind == "page" and _says_removed(sniffed.body, capture.headers):
        observe_gone(store, url, seen, capture, report, outcomes)
        return
    if sniffed.kind == "not_text":
        settle("not_text")
        return
    if sniffed.kind == "file":
        page, files = file_page(store, capture, report)
        if page is None:
            outcomes.pages[url] = {"reason": "file_unreadable", "first_seen": capture.fetched_at}
            return
    else:
        try:
            page = extract_page(sniffed.body, capture.url, _as_utf8(capture.headers, sniffed.body is not capture.body),
                                site_agency=site.name)
        except (ExtractionError, RecursionError):
            settle("empty_page")
            return
        files = (attachments or {}).get(capture.url, [])
    title = page.title or capture.meta.title or ""
    verdict = classify_title(title)
    if not verdict.is_plan:
        settle("not_a_work_plan")
        return
    text, text_source = document_text(page, [t for _, t in files if t is not None])
    if not text.strip():
        settle("empty_text")
        return
    report.plans_found += 1
    sha = store_text(store, text)
    document = Document(
        doc_id=doc_id_for(site.id, url),
        title=title,
        text_sha256=sha,
        text_key=text_key(sha),
        source_url=url,
        site_id=site.id,
        agency=page.agency or site.name,
        region=region_for(site, page.agency, on=page.written or page.published or capture.meta.date),
        level=site.level,
        plan_year=plan_year(title),
        published=page.published or capture.meta.date,
        written=page.written,
        doc_number=page.doc_number,
        index_number=page.index_number,
        doc_type=verdict.doc_type,
        encoding=page.encoding,
        fetched_at=capture.fetched_at,
        extractor=EXTRACTOR,
        attachments=tuple(record for record, _ in files),
        text_source=text_source,
        first_seen=(seen or {}).get("first_seen") or capture.fetched_at,
    )
    index.add(dedup_member(document, site, page.agency, text), text)
    document = with_links(document, index)
    if document.duplicates:
        report.duplicates += 1
    outcome = _write_document(store, document)
    setattr(report, outcome, getattr(report, outcome) + 1)
    if outcome in ("new", "changed"):
        (report.new_ids if outcome == "new" else report.changed_ids).append(document.doc_id)
    if seen and seen.get("removed"):
        report.restored += 1
    outcomes.documents[url] = {
        "doc_id": document.doc_id,
        "text_sha256": sha,
        "etag": capture.headers.get("etag"),
        "last_modified": capture.headers.get("last-modified"),
        "first_seen": (seen or {}).get("first_seen") or capture.fetched_at,
        "last_seen": capture.fetched_at,
    }


def file_page(store: Store, capture: Capture, report: SiteReport) -> tuple[ExtractedPage | None,
                                                                              list[tuple[Attachment, AttachmentText | None]]]:
    """A plan that is a file (the list linked a PDF, DOCX, …): the file in blobs/, its text as the page's.

    The title is the list's unless the list cut it short, then the file's first
    line that reads as a title; the fields are those the file's text prints.
    """
    record, text = store_file(store, capture, report)
    if text is None or not text.text.strip():
        report.skip("file_unreadable")
        return None, []
    page = file_page_from_text(text.text, text.kind, capture.url, capture.meta.title or "", capture.meta.title_cut)
    return page, [(record, None)]


def _as_utf8(headers: Mapping[str, str], reencoded: bool) -> Mapping[str, str]:
    """The capture's headers, saying UTF-8 when the body was re-encoded from UTF-16."""
    if not reencoded:
        return headers
    return {**headers, "content-type": "text/html; charset=utf-8"}


def store_text(store: Store, text: str) -> str:
    """Write a text under its content address, once even with racing writers; return its sha256."""
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    store.put(text_key(sha), data, if_absent=True, content_type="text/plain; charset=utf-8")
    killpoints.reached("text_written")
    return sha


def dedup_member(document: Document, site: Site, stated_agency: str | None, text: str) -> Member:
    """What the dedup index keeps of a document: its record, its site, the 发布机构 its page states."""
    return member_for(document.doc_id, document.source_url, text, document.text_sha256, site.id, site.name,
                      site.base_url, site.level, stated_agency, document.published, document.plan_year)


def with_links(document: Document, index: DedupIndex) -> Document:
    """The record with its duplicates, cluster and canonical member as the index now sees them."""
    if document.doc_id not in index:
        return document
    duplicates = []
    for other, similarity in index.links(document.doc_id):
        member = index.member(other)
        duplicates.append(Duplicate(url=member.url, sha256=member.text_sha256, similarity=similarity, doc_id=other))
    cluster = index.cluster(document.doc_id)
    return dataclasses.replace(
        document, duplicates=tuple(duplicates), cluster_id=cluster.cluster_id,
        canonical_id=cluster.canonical.doc_id if cluster.cluster_id else None)


def relink_clusters(store: Store, index: DedupIndex, report: SiteReport | Mapping[str, SiteReport]) -> None:
    """Rewrite the records whose duplicates, cluster or canonical member changed since they were written.

    Each rewrite is counted on the report of the document's own site when a
    mapping of site id → report is given, else on the one report.
    """
    for doc_id in sorted(index.touched):
        current = _read_record(store, doc_id)
        if current is None:
            continue  # indexed by a worker whose record write has not landed; its own run links it
        linked = with_links(current, index)
        if linked != current:
            _put_document(store, linked)
            owner = report.get(current.site_id) if isinstance(report, Mapping) else report
            if owner is not None:
                owner.relinked += 1
    index.touched.clear()


def _state_content(state: SiteState) -> str:
    """The state as it matters to the next crawl: everything but the last-seen times."""
    documents = {url: {k: v for k, v in entry.items() if k != "last_seen"} for url, entry in state.documents.items()}
    return json.dumps({"documents": documents, "listed": sorted(state.listed), "skipped": state.skipped},
                      sort_keys=True)


def _read_record(store: Store, doc_id: str | None) -> Document | None:
    """A document's current record, or None when it has none (or the state names no doc id)."""
    if not doc_id:
        return None
    try:
        return Document.from_dict(json.loads(store.get(doc_key(doc_id))))
    except KeyNotFound:
        return None


def _write_document(store: Store, document: Document) -> str:
    """Write a record only when its content changed: 'new', 'changed', 'relinked' or 'unchanged'."""
    previous = _read_record(store, document.doc_id)
    if previous is not None and previous.first_seen:
        document = dataclasses.replace(document, first_seen=previous.first_seen)
    if previous is not None and previous.same_content(document):
        return "unchanged"
    _put_document(store, document)
    if previous is None:
        return "new"
    unlinked = {"duplicates": (), "cluster_id": None, "canonical_id": None}
    only_links = dataclasses.replace(previous, **unlinked).same_content(dataclasses.replace(document, **unlinked))
    return "relinked" if only_links else "changed"


def _put_document(store: Store, document: Document) -> None:
    body = json.dumps(document.to_dict(), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    store.put(doc_key(document.doc_id), body, content_type="application/json")
    killpoints.reached("doc_written")
