"""Turn a site's captures into stored documents: extract, type, dedup, version."""

from __future__ import annotations

import base64
import dataclasses
import gzip
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
import numpy as np

from archive.classify import classify_title, plan_year
from archive.dedup.index import DedupIndex, Member, member_for, signature
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
from archive.extract.sniff import sniff_detail
from archive.extract.region import region_for
from archive.records import Attachment, CaptureMeta, Document, Duplicate, Extractor, Site, SiteReport
from archive.run import killpoints
from archive.run.captures import Capture, local_warc, read_captures, read_crawl_summary_file
from archive.run.recover import advance_state, load_or_rebuild
from archive.store import KeyNotFound, Store, revisits
from archive.store.keys import blob_key, doc_key, readings_key, text_key
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
    commit_warc(store, site, read_warc(store, site, warc_key), index, report, relink=relink, warn=warn)


@dataclass(frozen=True)
class Draft:
    """A detail page read into a document, before the site's state (first seen) and the index (links) have their say."""

    document: Document
    text: str
    member: Member
    hashvalues: bytes  # the text's MinHash signature, so the ordered commit does not hash it again
    shingle_count: int


@dataclass(frozen=True)
class Reading:
    """What one detail capture holds, read without the site's state or the index: the commit decides with it.

    `step` is how far the capture got: `revisit` (a 304), `gone` (404/410),
    `unfetched` (another HTTP error or a challenge page), `settle` (a page that
    makes no document, for `reason`), `unreadable` (a file whose text could
    not be read) or `draft`.
    """

    capture: Capture  # its body dropped: what was worth keeping of it is in the draft or the store
    step: str
    reason: str | None = None
    says_removed: bool = False  # a 200 page saying its document was taken down (weighed only for a known URL)
    skips: tuple[str, ...] = ()  # counted while reading, in the order the serial ingest counted them
    draft: Draft | None = None


@dataclass(frozen=True)
class ReadWarc:
    """A WARC read: its attachments stored and every detail page extracted, in capture order, nothing committed."""

    warc_key: str
    pages_fetched: int
    list_pages: int
    detail_pages: int
    attachment_skips: tuple[str, ...]
    readings: tuple[Reading, ...]
    listed: tuple[str, ...] | None  # the list entries the crawl settled (its summary), None without one
    nightly: bool = False  # a nightly crawl's WARC (its summary says so): the site's revisit clock moves a night
    adaptive: bool = False  # crawled on the adaptive revisit schedule: its ingest plans the next revisits


def read_warc_to_dict(read: ReadWarc) -> dict[str, Any]:
    """A read WARC as JSON, to hand from the task that read it to the one that commits it."""
    return {
        "warc_key": read.warc_key, "pages_fetched": read.pages_fetched, "list_pages": read.list_pages,
        "detail_pages": read.detail_pages, "attachment_skips": list(read.attachment_skips),
        "listed": None if read.listed is None else list(read.listed), "nightly": read.nightly,
        "adaptive": read.adaptive,
        "readings": [_reading_to_dict(reading) for reading in read.readings],
    }


def read_warc_from_dict(data: dict[str, Any]) -> ReadWarc:
    """The read WARC `read_warc_to_dict` wrote."""
    return ReadWarc(
        warc_key=data["warc_key"], pages_fetched=data["pages_fetched"], list_pages=data["list_pages"],
        detail_pages=data["detail_pages"], attachment_skips=tuple(data["attachment_skips"]),
        listed=None if data["listed"] is None else tuple(data["listed"]), nightly=bool(data.get("nightly")),
        adaptive=bool(data.get("adaptive")),
        readings=tuple(_reading_from_dict(row) for row in data["readings"]))


def _reading_to_dict(reading: Reading) -> dict[str, Any]:
    capture, draft = reading.capture, reading.draft
    return {
        "capture": {"url": capture.url, "status": capture.status, "headers": capture.headers,
                    "fetched_at": capture.fetched_at, "record_id": capture.record_id, "meta": capture.meta.to_dict(),
                    "oversize": capture.oversize},
        "step": reading.step, "reason": reading.reason, "says_removed": reading.says_removed,
        "skips": list(reading.skips),
        "draft": None if draft is None else {
            "document": draft.document.to_dict(), "text": draft.text, "member": dataclasses.asdict(draft.member),
            "hashvalues": base64.b64encode(draft.hashvalues).decode("ascii"), "shingles": draft.shingle_count},
    }


def _reading_from_dict(row: dict[str, Any]) -> Reading:
    c, d = row["capture"], row["draft"]
    capture = Capture(url=c["url"], status=c["status"], headers=c["headers"], body=b"", fetched_at=c["fetched_at"],
                      record_id=c["record_id"], meta=CaptureMeta.from_dict(c["meta"]), oversize=c["oversize"])
    draft = None if d is None else Draft(
        document=Document.from_dict(d["document"]), text=d["text"],
        member=Member(**d["member"] | {"figures": tuple(d["member"]["figures"])}),
        hashvalues=base64.b64decode(d["hashvalues"]), shingle_count=d["shingles"])
    return Reading(capture, row["step"], row["reason"], row["says_removed"], tuple(row["skips"]), draft)


def store_read_warc(store: Store, run_id: str, read: ReadWarc) -> str:
    """Keep a read WARC in the store for the run's commit (`load_read_warc`); its key."""
    key = readings_key(run_id, read.warc_key)
    body = json.dumps(read_warc_to_dict(read), ensure_ascii=False).encode("utf-8")
    store.put(key, gzip.compress(body, compresslevel=6, mtime=0), content_type="application/gzip")
    return key


def load_read_warc(store: Store, run_id: str, warc_key: str) -> ReadWarc | None:
    """The read WARC a task of this run kept, or None when none did (its task failed, or ran before this code)."""
    try:
        data = json.loads(gzip.decompress(store.get(readings_key(run_id, warc_key))))
    except KeyNotFound:
        return None
    read = read_warc_from_dict(data)
    return read if read.warc_key == warc_key else None


def read_warc(store: Store, site: Site, warc_key: str) -> ReadWarc:
    """The CPU-heavy half of ingesting a WARC, which needs no other site and no state: run it in any process.

    It writes only content-addressed blobs (create-only, so readers racing or
    repeating it are harmless); texts, records, the index and the state are the
    ordered commit's (`commit_warc`).
    """
    skips = SiteReport(site_id=site.id)
    readings = []
    pages = lists = details = 0
    with local_warc(store, warc_key) as path:
        # Attachments are fetched after the page that links them: a first pass reads them all.
        attachments = store_attachments(store, _captures(path), skips)
        for capture in _captures(path):
            pages += 1
            if capture.kind == "list":
                lists += 1
            elif capture.kind == "detail":
                details += 1
                readings.append(read_capture(store, site, capture, attachments))
        summary = read_crawl_summary_file(path)
    return ReadWarc(warc_key=warc_key, pages_fetched=pages, list_pages=lists, detail_pages=details,
                    attachment_skips=tuple(reason for reason, n in skips.skipped.items() for _ in range(n)),
                    readings=tuple(readings), listed=tuple(summary.listed) if summary is not None else None,
                    nightly=summary is not None and summary.mode == "nightly",
                    adaptive=summary is not None and summary.revisits == "adaptive")


def commit_warc(
    store: Store, site: Site, read: ReadWarc, index: DedupIndex, report: SiteReport, *, relink: bool = True,
    warn: Callable[[str], None] = lambda _: None,
) -> None:
    """Store a read WARC's documents in capture order, then its index segment, then advance the site's state."""
    state = load_or_rebuild(store, site.id, warn)
    outcomes = Outcomes()
    report.pages_fetched += read.pages_fetched
    report.list_pages += read.list_pages
    report.detail_pages += read.detail_pages
    for reason in read.attachment_skips:
        report.skip(reason)
    for reading in read.readings:
        commit_reading(store, site, reading, index, report, state, outcomes)
    if read.adaptive:
        outcomes.plan_revisits(state, read.warc_key, nightly=read.nightly)
    index.flush(store, segment_name(read.warc_key))
    killpoints.reached("index_flushed")
    if relink:
        relink_clusters(store, index, report)
    if read.listed is not None:
        outcomes.settled.update(read.listed)
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
    # URL → what a fetch saw of a document (archive.store.revisits: new, changed, unchanged, gone, removed), when
    # its text last changed as far as the page says, where its list showed it, and when it was fetched.
    observed: dict[str, dict[str, Any]] = field(default_factory=dict)
    schedule: dict[str, dict[str, Any]] = field(default_factory=dict)  # URL → its next revisit and list entry

    night: tuple[int, str] | None = None  # (night number, WARC) a nightly crawl moves the site's clock to

    def observe(self, url: str, seen: str, capture: Capture, changed: str | None = None) -> None:
        """Note what a fetch saw of a document, for its revisit schedule; `changed` is when its page last changed."""
        meta = capture.meta
        listed = {"column": meta.column, "listed_title": meta.title, "listed_date": meta.date} if meta.title else {}
        # Its age as the server tells it: the response's Date against Last-Modified (RFC 9111's heuristic).
        age = revisits.age_days(capture.headers.get("date") or capture.fetched_at, changed)
        self.observed[url] = {"seen": seen, "age_days": age, "listed": {k: v for k, v in listed.items() if v}}

    def plan_revisits(self, state: SiteState, warc_key: str, nightly: bool) -> None:
        """Each observed document's next revisit, from its schedule in `state` and what the crawl saw.

        A nightly crawl is the site's next night; ingesting its WARC again (a
        run finishing a killed one) counts no second night. A backfill
        schedules what it archived from the current night and moves no clock.
        """
        night = state.night
        if nightly:
            night = state.night if state.night_warc == warc_key else state.night + 1
            self.night = (night, warc_key)
        for url, seen in self.observed.items():
            kind = seen["seen"]
            if url in self.gone:
                kind = revisits.REMOVED if self.gone[url].get("removed") else revisits.GONE
            entry = state.documents.get(url, {})
            self.schedule[url] = revisits.next_schedule(url, entry, kind, night, seen["age_days"]) | seen["listed"]

    def apply(self, state: SiteState) -> bool:
        """Merge into `state`; True when anything changed but a last-seen time within its day (a new version is worth it)."""
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
        for url, plan in self.schedule.items():
            if url in state.documents:
                state.documents[url] |= plan
        if self.night and self.night[0] > state.night:
            state.night, state.night_warc = self.night
        for url, entry in self.pages.items():
            if url not in state.documents:
                first_seen = (state.skipped.get(url) or {}).get("first_seen") or entry["first_seen"]
                state.skipped[url] = entry | {"first_seen": first_seen}
        state.listed = sorted(set(state.listed) | (self.settled - set(state.documents) - set(state.skipped)))
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
            last_seen = max(filter(None, [record.last_seen, record.fetched_at, seen.get("last_seen")]))
            _put_document(store, dataclasses.replace(record, status="removed", removed_at=since, last_seen=last_seen))
            report.removed += 1
            report.removed_ids.append(record.doc_id)
        removed = True
    outcomes.gone[url] = {"gone": count, "gone_since": since, "removed": removed}


def restore(store: Store, seen: dict[str, Any], capture: Capture, report: SiteReport) -> None:
    """A removed document that answers again, unchanged: live again (its record's history keeps both events)."""
    record = _read_record(store, seen.get("doc_id"))
    if record is not None and record.status == "removed":
        _put_document(store, dataclasses.replace(record, status="live", removed_at=None, last_seen=capture.fetched_at))
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
    reading = read_capture(store, site, capture, attachments)
    commit_reading(store, site, reading, index, report, state, outcomes if outcomes is not None else Outcomes())


def read_capture(
    store: Store, site: Site, capture: Capture,
    attachments: Mapping[str, list[tuple[Attachment, AttachmentText | None]]] | None = None,
) -> Reading:
    """Read one detail capture as far as it goes without the site's state: decode, sniff, extract, classify, sign."""
    slim = dataclasses.replace(capture, body=b"")
    if capture.status == 304:
        return Reading(slim, "revisit")
    if capture.status in (404, 410):
        return Reading(slim, "gone")
    if capture.status != 200 or blocked_reason(capture.status, capture.body):
        return Reading(slim, "unfetched")  # counted by the spider: an HTTP error, or a challenge page; fetched again
    if capture.oversize:
        return Reading(slim, "settle", "oversize")
    sniffed = sniff_detail(capture.body, capture.url, capture.headers.get("content-type"))
    says_removed = sniffed.kind == "page" and _says_removed(sniffed.body, capture.headers)
    if sniffed.kind == "not_text":
        return Reading(slim, "settle", "not_text")
    if sniffed.kind == "file":
        counted = SiteReport(site_id=site.id)
        page, files = file_page(store, capture, counted)
        skips = tuple(reason for reason, n in counted.skipped.items() for _ in range(n))
        if page is None:
            return Reading(slim, "unreadable", skips=skips)
    else:
        skips = ()
        try:
            page = extract_page(sniffed.body, capture.url, _as_utf8(capture.headers, sniffed.body is not capture.body),
                                site_agency=site.name)
        except (ExtractionError, RecursionError):
            return Reading(slim, "settle", "empty_page", says_removed)
        files = (attachments or {}).get(capture.url, [])
    title = page.title or capture.meta.title or ""
    verdict = classify_title(title)
    if not verdict.is_plan:
        return Reading(slim, "settle", "not_a_work_plan", says_removed, skips)
    text, text_source = document_text(page, [t for _, t in files if t is not None])
    if not text.strip():
        return Reading(slim, "settle", "empty_text", says_removed, skips)
    url = capture.meta.listed or capture.url
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
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
        first_seen=capture.fetched_at,
        last_seen=capture.fetched_at,
    )
    minhash, count = signature(text)
    draft = Draft(document, text, dedup_member(document, site, page.agency, text),
                  np.asarray(minhash.hashvalues, dtype=np.uint64).tobytes(), count)
    return Reading(slim, "draft", None, says_removed, skips, draft)


def commit_reading(
    store: Store, site: Site, reading: Reading, index: DedupIndex, report: SiteReport, state: SiteState,
    outcomes: Outcomes,
) -> None:
    """Store what one read capture makes, now that the site's state and the index are known, or count why not."""
    capture = reading.capture
    # The URL the list linked to names the document, whatever redirects led elsewhere.
    url = capture.meta.listed or capture.url
    seen = state.documents.get(url)
    if reading.step == "revisit":
        report.plans_found += 1
        report.unchanged += 1
        if seen:
            outcomes.seen[url] = capture.fetched_at
            outcomes.observe(url, revisits.UNCHANGED, capture)
            if seen.get("removed"):
                restore(store, seen, capture, report)
        return
    if reading.step == "gone" or (reading.says_removed and seen):
        if seen:
            observe_gone(store, url, seen, capture, report, outcomes)
            outcomes.observe(url, revisits.GONE, capture)
        return
    if reading.step == "unfetched":
        return
    for reason in reading.skips:
        report.skip(reason)
    if reading.step == "unreadable":
        outcomes.pages[url] = {"reason": "file_unreadable", "first_seen": capture.fetched_at}
        return
    if reading.step == "settle":
        report.skip(reading.reason)
        outcomes.pages[url] = {"reason": reading.reason, "first_seen": capture.fetched_at}
        return
    commit_draft(store, reading.draft, index, report, seen, outcomes, capture)


def commit_draft(store: Store, draft: Draft, index: DedupIndex, report: SiteReport, seen: dict[str, Any] | None,
                 outcomes: Outcomes, capture: Capture) -> None:
    """Write a drafted document's text and record, linked to its duplicates as the index now sees them."""
    report.plans_found += 1
    sha = store_text(store, draft.text)
    first_seen = (seen or {}).get("first_seen") or capture.fetched_at
    document = dataclasses.replace(draft.document, first_seen=first_seen)
    index.add_signed(draft.member, np.frombuffer(draft.hashvalues, dtype=np.uint64), draft.shingle_count)
    document = with_links(document, index)
    if document.duplicates:
        report.duplicates += 1
    outcome = _write_document(store, document)
    setattr(report, outcome, getattr(report, outcome) + 1)
    if outcome in ("new", "changed"):
        (report.new_ids if outcome == "new" else report.changed_ids).append(document.doc_id)
    if seen and seen.get("removed"):
        report.restored += 1
    outcomes.observe(document.source_url, _what_changed(seen, outcome), capture,
                     changed=capture.headers.get("last-modified") or document.published)
    outcomes.documents[draft.document.source_url] = {
        "doc_id": document.doc_id,
        "text_sha256": sha,
        "etag": capture.headers.get("etag"),
        "last_modified": capture.headers.get("last-modified"),
        "first_seen": first_seen,
        "last_seen": capture.fetched_at,
    }


def _what_changed(seen: dict[str, Any] | None, outcome: str) -> str:
    """What a full fetch means for a document's revisits: new to the state, its text changed, or not."""
    if not seen:
        return revisits.NEW
    return revisits.CHANGED if outcome in ("new", "changed") else revisits.UNCHANGED


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
    """The state as it matters: last-seen times only by their day.

    A rerun the same day writes nothing (the WARC records every visit), but a
    document's last day seen is kept, so a removal can say when it was last there.
    """
    documents = {url: {k: (v[:10] if k == "last_seen" and isinstance(v, str) else v) for k, v in entry.items()}
                 for url, entry in state.documents.items()}
    return json.dumps({"documents": documents, "listed": sorted(state.listed), "skipped": state.skipped,
                       "night": state.night}, sort_keys=True)


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
