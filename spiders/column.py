"""The one generic spider: walks a site's columns with its CMS family's list parser."""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Iterator

from scrapy import Request, Spider, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from archive.classify import classify_title, cut_titles, possible_plan
from archive.extract.blocking import blocked_reason
from archive.extract.decode import decode_html
from archive.extract.attachments import is_attachment_url, sniff_kind
from archive.records import CrawlSummary, Site
from archive.urls import canonical_url, has_tracking_params
from spiders.platforms import ListEntry, parser_for, scripted
from spiders.render import SETTLE_SECONDS, failure_of, render_meta

# Column histories longer than this are a trap (an endless calendar, a pager
# that loops), not a real list: no commission has published 1000 pages of plans.
MAX_LIST_PAGES = 1000
SAMPLE_URLS = 3  # URLs kept per error reason: enough to open one and see the pattern



class ColumnSpider(Spider):
    """Follow list pages to the detail pages of work-plan candidates, and their attachments.

    Arguments: `site` (a registry row as a dict), `mode` (`backfill` walks
    every list page within `since`/`until`; `nightly` stops paging at the
    first list page with nothing new), `max_pages` per column, `known`
    (url → validators, first-seen time and revisit schedule, from the site's
    state), `revisit_days` (a backfill revisits known documents first seen this
    recently with conditional requests; older ones are left alone) and
    `render` (send every page request through a real browser: spiders/render.py).

    A nightly revisits a known document when its schedule says so
    (archive.run.revisits: the state marks each document `due` or not tonight),
    when its list entry shows another title or date than last time, or when
    its column no longer lists it where it stood (a deletion's first sign).
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
        revisit_days: int = 30,
        render: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.site = Site.from_dict(site)
        self.mode = mode
        self.since = since
        self.until = until
        self.max_pages = min(max_pages or MAX_LIST_PAGES, MAX_LIST_PAGES)
        self.known = known or {}
        self.revisit_after = datetime.now(timezone.utc) - timedelta(days=revisit_days)
        self.parser = parser_for(self.site.cms)
        self.render = render
        self.counts: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.error_samples: dict[str, list[str]] = {}
        self.first_page_entries: Counter[str] = Counter()
        self.candidates: set[str] = set()  # detail URLs queued, so a page listed twice is fetched once
        self._tracking_seen: set[str] = set()
        self.listed: set[str] = set()
        self.listed_in: dict[str, set[str]] = {}  # column -> URLs its pages listed, to see a pager that loops
        # column -> the oldest date its pages showed tonight (None once an entry had no date): how far down the
        # column this crawl looked, so a known document dated within that range and not listed has left it.
        self.listed_since: dict[str, str | None] = {}
        self._revisits_queued = False
        # WJW_REVISIT_SCHEDULE=adaptive: the state's schedule decides (archive.store.revisits); the default,
        # `window`, revisits every document first seen within revisit_days each night and older ones in turns,
        # which the deletion checks over simweb's days 0-5 still rely on.
        self.adaptive = False

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> ColumnSpider:
        """Also listen for requests the scheduler drops, to count redirect loops."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.adaptive = crawler.settings.get("WJW_REVISIT_SCHEDULE", "window") == "adaptive"
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.revisit_unlisted, signal=signals.spider_idle)
        return spider

    def revisit_unlisted(self, spider: Spider) -> None:
        """Once the lists are done: revisit the known documents that are due but no list page showed.

        A document taken down leaves its list, so only a revisit of its own URL can
        tell that it is gone (404, 410, or a 200 page saying 已删除), and only
        repeated revisits can tell a removal from a passing fault (archive.run.ingest).
        """
        if self._revisits_queued or self.mode != "nightly":
            return
        self._revisits_queued = True
        due = [url for url, seen in sorted(self.known.items())
               if seen.get("document") and url not in self.candidates
               and (self._due(url, seen) or self._left_column(url, seen))]
        for url in due:
            self.counts["revisits"] += 1
            self.candidates.add(url)
            self.crawler.engine.crawl(self._revisit_request(url, self.known[url]))
        if due:
            raise DontCloseSpider

    def _due(self, url: str, seen: dict[str, Any]) -> bool:
        """Whether a known document is revisited tonight, by the state's schedule or by the window."""
        if self.adaptive:
            return bool(seen.get("due", True))
        if seen.get("gone"):
            return True
        first_seen = _parse_time(seen.get("first_seen"))
        if first_seen is None or first_seen >= self.revisit_after:
            return True
        # Older documents take turns, each once every REVISIT_ROTATION nights, so a removal is found in time.
        turn = int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) % REVISIT_ROTATION
        return turn == datetime.now(timezone.utc).date().toordinal() % REVISIT_ROTATION

    def _left_column(self, url: str, seen: dict[str, Any]) -> bool:
        """Whether tonight's pages of the document's column span its date but no longer list it."""
        column, listed_date = seen.get("column"), seen.get("listed_date")
        since = self.listed_since.get(column or "")
        if not (column and listed_date and since) or listed_date[:10] <= since:
            return False  # not looked that far down (or an undated list): its schedule decides
        if url in self.listed_in.get(column, set()):
            return False
        self.counts["revisits_left_column"] += 1
        return True

    def _wants_revisit(self, entry: ListEntry, seen: dict[str, Any]) -> bool:
        """A nightly's choice for a listed known document: its turn, or a list entry that changed."""
        if self._due(entry.url, seen):
            return True
        title, listed_date = seen.get("listed_title"), seen.get("listed_date")
        if (title and entry.title and entry.title != title) or (listed_date and entry.date and entry.date != listed_date):
            self.counts["revisit_hints"] += 1  # the list shows another title or date: the page likely changed
            return True
        return False

    def _revisit_request(self, url: str, seen: dict[str, Any]) -> Request:
        headers = {}
        if seen.get("etag"):
            headers["If-None-Match"] = seen["etag"]
        if seen.get("last_modified"):
            headers["If-Modified-Since"] = seen["last_modified"]
        return Request(url, headers=headers, callback=self.parse_detail, errback=self.on_error, meta=self.rendered({
            "wjw_site": self.site.id, "wjw_kind": "detail", "wjw_column": "revisit", "wjw_listed": url,
            # A gone page is an observation for the archive, not a fetch error.
            "handle_httpstatus_list": [304, 404, 410]}))

    def request_dropped(self, request: Request, spider: Spider) -> None:
        """A request the duplicate filter refused: a redirect back to a URL already fetched is a loop."""
        if request.meta.get("redirect_times"):
            self._error("redirect_loop", request.url)
        else:
            self.skipped["duplicate_url"] += 1

    async def start(self) -> AsyncIterator[Request]:
        """One request per column's first list page."""
        for column in self.site.columns:
            if column.list_data is not None:  # a shell page: the registry names the data its script loads
                spec = dataclasses.asdict(column.list_data)
                first = Request(scripted.first_request_url(spec),
                                meta={"wjw_list_data": spec, "wjw_data_page": column.list_data.first_page})
                yield self._list_request(first.url, column.name, page_no=1, request=first)
            else:
                yield self._list_request(column.url, column.name, page_no=1)

    def _list_request(self, url: str, column: str, page_no: int, request: Request | None = None) -> Request:
        meta = {**(request.meta if request else {}), "wjw_site": self.site.id, "wjw_kind": "list",
                "wjw_column": column, "wjw_page_no": page_no}
        if request is not None:
            return request.replace(callback=self.parse_list, errback=self.on_error, meta=self.rendered(meta))
        return Request(url, callback=self.parse_list, errback=self.on_error, meta=self.rendered(meta))

    def rendered(self, meta: dict[str, Any]) -> dict[str, Any]:
        """The meta of a request, sent through the browser when this crawl renders."""
        if not self.render:
            return meta
        fresh = render_meta(self.settings.getfloat("WJW_RENDER_SETTLE_S", SETTLE_SECONDS),
                            self.settings.getfloat("DOWNLOAD_TIMEOUT"), self.settings.getint("DOWNLOAD_MAXSIZE"))
        return {**{k: v for k, v in meta.items() if not k.startswith(("playwright", "wjw_render"))}, **fresh}

    def parse_list(self, response: Response) -> Iterator[Request]:
        """Queue the candidates of one list page and, within bounds, the next page."""
        if self._blocked(response):
            return
        self.counts["list_pages"] += 1
        column = response.meta["wjw_column"]
        response = _verified_encoding(response)
        try:
            page = self._parse_page(response)
        except ValueError as exc:  # JSON or markup the family's parser cannot read
            self._error("unparseable_list", response.url)
            self.logger.warning("%s: list page %s unreadable: %s", self.site.id, response.url, exc)
            return
        if not page.entries and not page.next_requests:
            self.skipped["empty_list_page"] += 1
        # The first page that lists anything: a JS-driven CMS (jpaas) serves an empty shell before its data page.
        if page.entries and not self.first_page_entries.get(column):
            self.first_page_entries[column] = len(page.entries)
        elif response.meta["wjw_page_no"] == 1:
            self.first_page_entries.setdefault(column, 0)
        self._count_tracking_links(response)
        fresh = 0
        out_of_range = 0
        cut = cut_titles([entry.title for entry in page.entries])
        seen_in_column = self.listed_in.setdefault(column, set())
        urls = [request_url(entry.url, response) for entry in page.entries]
        # A pager that ignores its page number serves page 1 again: nothing new on it, stop paging.
        looping = bool(urls) and set(urls) <= seen_in_column
        seen_in_column.update(urls)
        self._note_dates(column, [entry.date for entry in page.entries])
        for entry, url in zip(page.entries, urls):
            if url in self.candidates:
                continue
            if self.since and entry.date and entry.date < self.since:
                out_of_range += 1
                self.skipped["before_since"] += 1
                continue
            if self.until and entry.date and entry.date > self.until:
                self.skipped["after_until"] += 1
                continue
            if url not in self.known:
                fresh += 1
            request = self._detail_request(ListEntry(url, entry.title, entry.date), column, entry.title in cut)
            if request is not None:
                yield request
        page_no = response.meta["wjw_page_no"]
        if page_no >= self.max_pages:
            if page.next_requests:
                self.skipped["beyond_max_pages"] += 1
            return
        if self.mode == "nightly" and page.entries and fresh == 0:
            # Lists are newest first: a page with nothing unseen means the rest is known.
            return
        if page.entries and out_of_range == len(page.entries):
            return  # everything on this page is older than --since, and so is what follows
        if looping:
            self.skipped["repeated_list_page"] += 1
            return
        for request in page.next_requests:
            yield self._list_request(request.url, column, page_no + 1, request)

    def _note_dates(self, column: str, dates: list[str | None]) -> None:
        """Keep the oldest date a column's pages showed; an undated entry leaves the column's reach unknown."""
        if not dates:
            return
        if column in self.listed_since and self.listed_since[column] is None:
            return
        if any(not day for day in dates):
            self.listed_since[column] = None
            return
        oldest = min(day[:10] for day in dates if day)
        self.listed_since[column] = min(filter(None, (self.listed_since.get(column), oldest)))

    def _parse_page(self, response: Response):
        """The family's reading of a list page, or, for list data a script loads, the data reader's."""
        spec = response.meta.get("wjw_list_data")
        if spec is not None:
            return scripted.parse_data(response, spec)
        return self.parser.parse(response)

    def _count_tracking_links(self, response: Response) -> None:
        """Count links that carry tracking parameters (once each)."""
        if not isinstance(response, HtmlResponse):
            return
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href.strip())
            if url not in self._tracking_seen and has_tracking_params(url):
                self._tracking_seen.add(url)
                self.skipped["tracking_params"] += 1

    def _detail_request(self, entry: ListEntry, column: str, title_cut: bool = False) -> Request | None:
        verdict = classify_title(entry.title)
        if not possible_plan(entry.title, title_cut):
            self.skipped[verdict.reason] += 1
            # Settled by its title alone: a nightly need not page past it again. Entries outside
            # --since/--until, or whose fetch fails, stay unsettled and are found by the next run.
            self.listed.add(entry.url)
            return None
        if title_cut and not verdict.is_plan:
            self.counts["cut_titles_fetched"] += 1  # the detail page's full title decides
        self.counts["candidates"] += 1
        self.candidates.add(entry.url)
        seen = self.known.get(entry.url)
        headers = {}
        if seen and seen.get("settled") == "not_a_work_plan":
            # Fetched before and read as no plan (its cut title hid what it was): its page has decided.
            self.skipped["read_before_not_a_plan"] += 1
            return None
        if seen and self.mode == "nightly" and seen.get("document"):
            if not self._wants_revisit(entry, seen):
                self.skipped["known_not_due"] += 1
                return None
        elif seen:
            first_seen = _parse_time(seen.get("first_seen"))
            if first_seen and first_seen < self.revisit_after:
                self.skipped["known_not_revisited"] += 1
                return None
        if seen and seen.get("etag"):
            headers["If-None-Match"] = seen["etag"]
        if seen and seen.get("last_modified"):
            headers["If-Modified-Since"] = seen["last_modified"]
        return Request(
            entry.url,
            headers=headers,
            callback=self.parse_detail,
            errback=self.on_error,
            meta=self.rendered({
                "wjw_site": self.site.id, "wjw_kind": "detail", "wjw_column": column, "wjw_listed": entry.url,
                "wjw_title": entry.title, "wjw_date": entry.date,
                "wjw_doc_type": verdict.doc_type if verdict.is_plan else None, "wjw_title_cut": title_cut or None,
                "handle_httpstatus_list": [304]}),
        )

    def parse_detail(self, response: Response) -> Iterator[Request]:
        """Count the detail page and follow its attachments; the WARC holds the page itself."""
        if response.status == 304:
            self.counts["not_modified"] += 1
            return
        if response.status in (404, 410):
            self.counts["revisits_gone"] += 1
            return
        if self._blocked(response):
            return
        self.counts["detail_pages"] += 1
        if sniff_kind(response.body) not in ("html", "txt", "unknown"):
            # A plan that is a file (the list links a PDF or DOCX, served as text/html or octet-stream alike):
            # the archive reads the capture by its bytes; it has no links to follow.
            self.counts["file_plans"] += 1
            return
        if not isinstance(response, HtmlResponse):
            return  # not HTML and no file either: the archive reads it as it is
        for link in response.xpath("//a[@href]"):
            href = link.attrib["href"].strip()
            label = " ".join(link.xpath(".//text()").getall())
            if href.startswith(("javascript:", "mailto:", "#")):
                continue
            if is_attachment_url(response.urljoin(href), label):
                self.counts["attachments"] += 1
                yield Request(
                    response.urljoin(href),
                    callback=self.parse_attachment,
                    errback=self.on_error,
                    meta=self.rendered({"wjw_site": self.site.id, "wjw_kind": "attachment",
                                         "wjw_parent": response.url, "wjw_title": label.strip()[:200]}),
                )

    def parse_attachment(self, response: Response) -> None:
        """Count a fetched attachment; the archive sniffs its type from the bytes."""
        if not self._blocked(response):
            self.counts["attachments_fetched"] += 1

    def _blocked(self, response: Response) -> bool:
        reason = blocked_reason(response.status, response.body)
        if reason:
            self._error("blocked_by_waf", response.url)
            self.logger.warning("%s: %s is a %s page, not content", self.site.id, response.url, reason)
        return reason is not None

    def on_error(self, failure: Failure) -> None:
        """Count a failed request by reason, naming the URL in the log."""
        reason = _failure_reason(failure)
        self._error(reason, failure.request.url)
        self.logger.warning("%s: %s failed: %s", self.site.id, failure.request.url, reason)

    def _error(self, reason: str, url: str) -> None:
        """Count a failure by reason, keeping the first few URLs so the report can name them."""
        self.errors[reason] += 1
        samples = self.error_samples.setdefault(reason, [])
        if len(samples) < SAMPLE_URLS and url not in samples:
            samples.append(url)

    def summary(self, counts: dict[str, int], finish_reason: str | None = None,
                stats: dict[str, float] | None = None) -> CrawlSummary:
        """Per-site counters for the run report, with the crawler's own `counts` and Scrapy's `stats` added."""
        return CrawlSummary(site_id=self.site.id, counts=dict(self.counts) | counts, skipped=dict(self.skipped),
                            errors=dict(self.errors), listed=tuple(sorted(self.listed)), finish_reason=finish_reason,
                            error_samples=self.error_samples, first_page_entries=dict(self.first_page_entries),
                            stats=stats or {}, mode=self.mode,
                            revisits="adaptive" if self.adaptive else "window")


def request_url(url: str, response: Response) -> str:
    """The canonical URL a listed link is requested at, its query in the list page's own encoding.

    A GBK site writes 通知公告 in a link's query as raw hanzi or as %CD%A8…;
    its server reads the query as GBK, so a raw one is encoded as the page is.
    """
    return canonical_url(safe_url_string(url, getattr(response, "encoding", None) or "utf-8"))


# Documents older than the revisit window are revisited once every this many nights, in turns (window schedule).
REVISIT_ROTATION = 30


def _verified_encoding(response: Response) -> Response:
    """The response decoded as the archive would: a charset that the header or meta declares but the bytes deny is overruled.

    Scrapy believes the Content-Type header; commission sites often send
    `charset=UTF-8` over GBK bytes, which would turn every title to mojibake
    and every plan into a skipped 'not_a_work_plan'.
    """
    if not isinstance(response, TextResponse):
        return response
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    encoding = decode_html(response.body, content_type).encoding
    if codecs.lookup(encoding).name == codecs.lookup(response.encoding).name:
        return response
    return response.replace(encoding=encoding)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _failure_reason(failure: Failure) -> str:
    real = failure_of(failure.request, failure.value) if hasattr(failure, "request") else failure.value
    if real is not failure.value:  # a browser's navigation error: name the fetch that failed behind it
        failure = Failure(real)
    if failure.check(HttpError):
        status = failure.value.response.status
        # 412 is 瑞数's JavaScript cookie challenge, 521 加速乐's: a WAF, not a missing page.
        if blocked_reason(status, failure.value.response.body):
            return "blocked_by_waf"
        return f"http_{status}"
    if failure.check(IgnoreRequest):
        message = str(failure.value)
        if "robots" in message:
            return "robots_disallowed"
        if "redirect" in message:
            return "redirect_loop"
        if "maxsize" in message.lower() or "max size" in message.lower() or "larger than" in message.lower():
            return "oversize"
        return "ignored"
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout"
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "connection_refused"
    return _exception_reason(failure.value)


def _exception_reason(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).lower()
    if name == "DownloadCancelledError":
        # Scrapy cancels a streamed body once it passes DOWNLOAD_MAXSIZE (an endless or huge page);
        # nothing else in this crawl cancels downloads.
        return "oversize"
    if "maxsize" in text or "max size" in text or ("exceed" in text and "size" in text):
        return "oversize"
    if "partial" in text or "truncat" in text or "dataloss" in name.lower() or name in ("ResponseFailed",):
        return "truncated_body"
    if "redirect" in text:
        return "redirect_loop"
    return name
