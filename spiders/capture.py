"""Write every HTTP exchange the spider makes to a gzipped WARC (ISO 28500)."""

from __future__ import annotations

from io import BytesIO
from typing import IO

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.records import CaptureMeta
from archive.run.captures import META_CONTENT_TYPE, capture_meta_block

# The request meta the spider sets (`wjw_<field>`) for each field of the capture's metadata record, so a
# later re-extraction knows what each capture was without crawling again.
CAPTURE_META = tuple(f"wjw_{name}" for name in CaptureMeta.__dataclass_fields__)


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class WarcCaptureMiddleware:
    """Downloader middleware that records request, response and capture metadata."""

    def __init__(self, path: str, site_id: str) -> None:
        self.path = path
        self.site_id = site_id
        self._file: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        """Open the WARC named by the WJW_WARC_PATH setting."""
        middleware = cls(crawler.settings["WJW_WARC_PATH"], crawler.settings.get("WJW_SITE_ID", ""))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        """Start the WARC with a warcinfo record."""
        self._file = open(self.path, "wb")
        self._writer = WARCWriter(self._file, gzip=True)
        info = {"software": "wjw spider (Scrapy)", "format": "WARC File Format 1.1", "wjw-site": self.site_id}
        self._writer.write_record(self._writer.create_warcinfo_record(self.path.rsplit("/", 1)[-1], info))

    def spider_closed(self, spider: Spider) -> None:
        """Flush and close the WARC."""
        if self._file:
            self._file.close()

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        """Record the exchange, then pass the response on untouched."""
        if self._writer is None:
            return response
        writer = self._writer
        req_headers = StatusAndHeaders(
            f"{request.method} {request.url} HTTP/1.1", _header_pairs(request.headers), is_http_request=True
        )
        request_record = writer.create_warc_record(
            request.url, "request", payload=BytesIO(request.body or b""), http_headers=req_headers
        )
        resp_headers = StatusAndHeaders(
            f"{response.status} {_reason(response.status)}", _header_pairs(response.headers), protocol="HTTP/1.1"
        )
        response_record = writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), http_headers=resp_headers
        )
        record_id = response_record.rec_headers.get_header("WARC-Record-ID")
        request_record.rec_headers.add_header("WARC-Concurrent-To", record_id)
        meta = {key[4:]: request.meta[key] for key in CAPTURE_META if request.meta.get(key) is not None}
        meta.setdefault("site", self.site_id)
        meta.setdefault("kind", "robots" if request.url.endswith("/robots.txt") else "other")
        # warc-fields, not JSON: replay indexers skip such a record, so replay serves the page (archive/run/captures.py).
        metadata_record = writer.create_warc_record(
            response.url,
            "metadata",
            payload=BytesIO(capture_meta_block(CaptureMeta.from_dict(meta))),
            warc_content_type=META_CONTENT_TYPE,
        )
        metadata_record.rec_headers.add_header("WARC-Concurrent-To", record_id)
        for record in (response_record, request_record, metadata_record):
            writer.write_record(record)
        self.records += 1
        return response


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
