"""The one generic spider: walks a site's columns with its CMS family's list parser."""

from __future__ import annotations

from collections import Counter
from typing import Any, AsyncIterator, Iterator

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from archive.classify import classify_title
from archive.records import Site
from spiders.platforms import ListEntry, parser_for


class ColumnSpider(Spider):
    """Follow list pages to the detail pages of work-plan candidates.

    Arguments: `site` (a registry row as a dict), `mode` (`backfill` walks
    every list page within `since`/`until`; `nightly` stops paging at the
    first list page with nothing new), `max_pages` per column, and `known`
    (url → validators from the site's state, for conditional requests).
    """

    name = "column"

    def __init__(
        self,
        site: dict[str, Any],
        mode: str = "backfill",
        since: str | None = None,
        until: str | None = None,
        max_pages: int | None = None,
        known: dict[str, dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.site = Site.from_dict(site)
        self.mode = mode
        self.since = since
        self.until = until
        self.max_pages = max_pages
        self.known = known or {}
        self.parser = parser_for(self.site.cms)
        self.counts: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.candidates: dict[str, dict[str, Any]] = {}

    async def start(self) -> AsyncIterator[Request]:
        """One request per column's first list page."""
        for column in self.site.columns:
            yield self._list_request(column.url, column.name, page_no=1)

    def _list_request(self, url: str, column: str, page_no: int, meta: dict | None = None) -> Request:
        return Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            meta={**(meta or {}), "wjw_site": self.site.id, "wjw_kind": "list",
                  "wjw_column": column, "wjw_page_no": page_no},
        )

    def parse_list(self, response: Response) -> Iterator[Request]:
        """Queue the candidates of one list page and, within bounds, the next page."""
        self.counts["list_pages"] += 1
        column = response.meta["wjw_column"]
        page = self.parser.parse(response)
        if not page.entries:
            self.skipped["empty_list_page"] += 1
        fresh = 0
        older_than_since = 0
        for entry in page.entries:
            if entry.url in self.candidates:
                continue
            if self.since and entry.date and entry.date < self.since:
                older_than_since += 1
                self.skipped["before_since"] += 1
                continue
            if self.until and entry.date and entry.date > self.until:
                self.skipped["after_until"] += 1
                continue
            if entry.url not in self.known:
                fresh += 1
            request = self._detail_request(entry, column)
            if request is not None:
                yield request
        page_no = response.meta["wjw_page_no"]
        if self.max_pages and page_no >= self.max_pages:
            if page.next_requests:
                self.skipped["beyond_max_pages"] += 1
            return
        if self.mode == "nightly" and page.entries and fresh == 0:
            # Lists are newest first: a page with nothing unseen means the rest is known.
            return
        if page.entries and older_than_since == len(page.entries):
            return
        for request in page.next_requests:
            yield self._list_request(request.url, column, page_no + 1, meta=request.meta)

    def _detail_request(self, entry: ListEntry, column: str) -> Request | None:
        verdict = classify_title(entry.title)
        if not verdict.is_plan:
            self.skipped[verdict.reason] += 1
            return None
        self.counts["candidates"] += 1
        self.candidates[entry.url] = {"title": entry.title, "date": entry.date, "column": column}
        headers = {}
        validators = self.known.get(entry.url, {})
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        return Request(
            entry.url,
            headers=headers,
            callback=self.parse_detail,
            errback=self.on_error,
            meta={"wjw_site": self.site.id, "wjw_kind": "detail", "wjw_column": column,
                  "wjw_title": entry.title, "wjw_date": entry.date, "wjw_doc_type": verdict.doc_type,
                  "handle_httpstatus_list": [304]},
        )

    def parse_detail(self, response: Response) -> None:
        """Count the detail page; the WARC already holds it for the archive to extract."""
        if response.status == 304:
            self.counts["not_modified"] += 1
        else:
            self.counts["detail_pages"] += 1

    def on_error(self, failure: Failure) -> None:
        """Count a failed request by reason, naming the URL in the log."""
        reason = _failure_reason(failure)
        self.errors[reason] += 1
        self.logger.warning("%s: %s failed: %s", self.site.id, failure.request.url, reason)

    def summary(self) -> dict[str, Any]:
        """Per-site counters for the run report."""
        return {
            "site_id": self.site.id,
            "counts": dict(self.counts),
            "skipped": dict(self.skipped),
            "errors": dict(self.errors),
            "candidates": self.candidates,
        }


def _failure_reason(failure: Failure) -> str:
    if failure.check(HttpError):
        status = failure.value.response.status
        # 412 is 瑞数's JavaScript cookie challenge, 521 加速乐's: a WAF, not a missing page.
        return "blocked_by_waf" if status in (412, 521) else f"http_{status}"
    if failure.check(IgnoreRequest):
        return "robots_disallowed" if "robots" in str(failure.value) else "ignored"
    if failure.check(DNSLookupError):
        return "dns"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(ConnectionRefusedError):
        return "connection_refused"
    return type(failure.value).__name__
