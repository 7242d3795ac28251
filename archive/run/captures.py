"""Read the captures (response + metadata records) back out of a WARC."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import IO, Any, Iterator

from warcio.archiveiterator import ArchiveIterator

from archive.records import CaptureMeta


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

    @property
    def kind(self) -> str:
        """list, detail, robots, attachment or other, as the spider marked the request."""
        return self.meta.kind


def read_captures(stream: IO[bytes]) -> Iterator[Capture]:
    """Every response in a WARC stream, joined with its metadata record."""
    responses: dict[str, Capture] = {}
    order: list[str] = []
    metas: dict[str, dict[str, Any]] = {}
    for record in ArchiveIterator(stream):
        kind = record.rec_type
        if kind == "response":
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            http = record.http_headers
            headers = {name.lower(): value for name, value in http.headers} if http else {}
            # warcio hands back the payload already de-chunked and, for gzip
            # Content-Encoding, decoded; what we keep is what a browser would show.
            body = record.content_stream().read()
            responses[record_id] = Capture(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(http.get_statuscode()) if http else 0,
                headers=headers,
                body=body,
                fetched_at=record.rec_headers.get_header("WARC-Date"),
                record_id=record_id,
            )
            order.append(record_id)
        elif kind == "metadata":
            target = record.rec_headers.get_header("WARC-Concurrent-To")
            try:
                metas[target] = CaptureMeta.from_dict(json.loads(record.content_stream().read().decode("utf-8")))
            except (ValueError, TypeError):
                metas[target] = CaptureMeta(site="")  # a torn or foreign record: the capture is read as "other"
    for record_id in order:
        capture = responses[record_id]
        yield dataclasses.replace(capture, meta=metas.get(record_id, capture.meta))
