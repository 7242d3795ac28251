"""Read the captures (response + metadata records) back out of a WARC, bounded, one at a time.

Each response is followed by its request and a metadata record (`WARC-Concurrent-To` the
response) holding the spider's `CaptureMeta`. That record is `application/warc-fields`,
as WARC 1.1 recommends for metadata: the replay indexers (pywb's `wb-manager add` and
cdxj-indexer, which py-wacz uses) skip warc-fields metadata, so replay of the page's URL
serves the response. WARCs written before it carry the same fields as an
`application/json` record under the page's URL, which the indexers index and replay
serves instead of the page; they are still read.

A WARC holds what the spider received, compressed as the server sent it: a
1 MB response can inflate to a gigabyte. Captures are therefore streamed from
a local copy of the WARC, and every body is read up to `MAX_BODY_BYTES`
inflated (the spider's own DOWNLOAD_MAXSIZE); a larger one is marked
`oversize` with an empty body, so no page, however hostile, costs more memory
than that.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.records import CaptureMeta, CrawlSummary
from archive.scratch import scratch
from archive.store import Store

# The most of one inflated body that is read: the spider's DOWNLOAD_MAXSIZE (spiders/settings.py).
MAX_BODY_BYTES = 32 * 1024 * 1024

# The WARC's last record: the spider's summary of the crawl, under this URN, so the WARC alone says
# which list entries the crawl settled; a run that finishes a dead run's WARC advances state from it.
SUMMARY_URN = "urn:wjw:crawl:{run_id}:{site_id}"


# The content type of the capture metadata record that replay indexers skip (see above).
META_CONTENT_TYPE = "application/warc-fields"


def capture_meta_block(meta: CaptureMeta) -> bytes:
    """The metadata record's block: a `name: value` line per field, each value JSON so a title keeps its line breaks."""
    lines = (f"{name}: {json.dumps(value, ensure_ascii=False)}\r\n" for name, value in meta.to_dict().items())
    return "".join(lines).encode("utf-8")


def read_capture_meta(block: bytes, content_type: str) -> CaptureMeta:
    """The CaptureMeta of a metadata record's block, warc-fields or the JSON of earlier WARCs; ValueError if torn."""
    if content_type.split(";")[0].strip() == "application/json":
        return CaptureMeta.from_dict(json.loads(block.decode("utf-8")))
    fields = {}
    # Split on the line ends alone: JSON escapes CR and LF inside a value, but not U+2028 and its kin.
    for line in block.decode("utf-8").split("\n"):
        name, colon, value = line.rstrip("\r").partition(":")
        if colon:
            fields[name.strip()] = json.loads(value)
        elif line.strip():
            raise ValueError(f"not a warc-fields line: {line[:80]!r}")
    return CaptureMeta.from_dict(fields)


@dataclass(frozen=True)
class Capture:
    """One HTTP response as the spider received it, with what the spider knew of it."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    record_id: str
    meta: CaptureMeta = field(default_factory=lambda: CaptureMeta(site=""))
    oversize: bool = False  # the inflated body passed MAX_BODY_BYTES; `body` is empty

    @property
    def kind(self) -> str:
        """list, detail, robots, attachment or other, as the spider marked the request."""
        return self.meta.kind


def read_captures(stream: IO[bytes], max_body: int = MAX_BODY_BYTES) -> Iterator[Capture]:
    """Every response in a WARC stream, joined with its metadata record, one at a time.

    The spider writes each response, then its request, then its metadata record;
    a response is held only until its metadata arrives (or the next response does).
    """
    pending: Capture | None = None
    for record in ArchiveIterator(stream):
        kind = record.rec_type
        if kind == "response":
            if pending is not None:
                yield pending
            pending = _response(record, max_body)
        elif kind == "metadata" and pending is not None:
            if record.rec_headers.get_header("WARC-Concurrent-To") != pending.record_id:
                continue
            try:
                meta = read_capture_meta(record.content_stream().read(1 << 20),
                                         record.rec_headers.get_header("Content-Type") or "")
            except (ValueError, TypeError):
                meta = CaptureMeta(site="")  # a torn or foreign record: the capture is read as "other"
            yield _with_meta(pending, meta)
            pending = None
    if pending is not None:
        yield pending


def _response(record, max_body: int) -> Capture:
    http = record.http_headers
    headers = {name.lower(): value for name, value in http.headers} if http else {}
    # warcio hands back the payload de-chunked and, for gzip Content-Encoding, inflated
    # as it is read: reading one byte past the cap tells an oversize body without holding it.
    body = record.content_stream().read(max_body + 1)
    oversize = len(body) > max_body
    try:
        status = int(http.get_statuscode()) if http else 0
    except (TypeError, ValueError):
        status = 0
    return Capture(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=status,
        headers=headers,
        body=b"" if oversize else body,
        fetched_at=record.rec_headers.get_header("WARC-Date"),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        oversize=oversize,
    )


def _with_meta(capture: Capture, meta: CaptureMeta) -> Capture:
    return Capture(capture.url, capture.status, capture.headers, capture.body, capture.fetched_at,
                   capture.record_id, meta, capture.oversize)


@contextmanager
def local_warc(store: Store, key: str) -> Iterator[Path]:
    """A stored WARC as a local temporary file, removed afterwards: read from disk, never whole into memory."""
    with scratch("warc") as tmp:
        path = tmp / "capture.warc.gz"
        store.get_to_file(key, path)
        yield path


def stored_captures(store: Store, key: str, max_body: int = MAX_BODY_BYTES) -> Iterator[Capture]:
    """Stream the captures of a stored WARC."""
    with local_warc(store, key) as path, path.open("rb") as stream:
        yield from read_captures(stream, max_body)


def append_summary(path: Path, run_id: str, summary: CrawlSummary) -> None:
    """End the WARC at `path` with the crawl's summary (a gzip member appended, as WARC allows)."""
    payload = json.dumps(summary.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    with path.open("ab") as out:
        writer = WARCWriter(out, gzip=True)
        record = writer.create_warc_record(SUMMARY_URN.format(run_id=run_id, site_id=summary.site_id), "metadata",
                                           payload=BytesIO(payload), warc_content_type="application/json")
        writer.write_record(record)


def read_crawl_summary_file(path: Path) -> CrawlSummary | None:
    """The crawl summary a WARC ends with, or None (a WARC written before summaries, or cut short)."""
    summary = None
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "metadata":
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if uri.startswith("urn:wjw:crawl:"):
                    try:
                        summary = CrawlSummary.from_dict(json.loads(record.content_stream().read(64 << 20)))
                    except (ValueError, TypeError, KeyError):
                        summary = None
    except Exception:  # noqa: BLE001 - a truncated gzip member or a torn record: no summary to read
        return summary
    return summary


def read_crawl_summary(store: Store, key: str) -> CrawlSummary | None:
    """The crawl summary of a stored WARC."""
    with local_warc(store, key) as path:
        return read_crawl_summary_file(path)
