"""The crawl behind `wjw sites check`: `python -m spiders.check JOB.json`.

The check fetches as the nightly crawl does, because it is the crawl: the
column spider with its robots.txt middleware, redirect policy
(spiders/redirects.py), retries, User-Agent and failure names. It reads
each column's first list page; a page that lists nothing but names where
its list is (jpaas's API, a frame) is read one hop further; and from the
first page that lists, one step further still, to see that paging works.
Nothing past the lists is fetched and no WARC is written. The archive
(archive/run/sitecheck.py) reads back one `ColumnCheck` per column.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.extract.blocking import blocked_reason
from archive.records import ColumnCheck, Site, SiteCheckJob
from spiders import settings as default_settings
from spiders.column import ColumnSpider, _failure_reason
from spiders.platforms import ListPage

# Words of a script that fetches its list (jQuery's ajax, getJSON, fetch, a JSONP callback), in lower case.
FETCHING_SCRIPT = (b"ajax", b"getjson", b"fetch(", b"callback")
# The failures the crawl counts without calling the request's errback, so without naming its column.
UNANSWERED = ("offsite_redirect", "private_redirect", "redirect_loop")


@dataclass
class _PageSeen:
    """One list request of the check, answered or failed."""

    status: int | None = None
    final_url: str | None = None
    urls: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    next_urls: list[str] = field(default_factory=list)
    blocked: str | None = None
    problem: str | None = None
    script_fetches: bool = False


class CheckSpider(ColumnSpider):
    """The column spider, reading lists only: page 1, the list a shell page names, and one page past the first that lists."""

    name = "check"

    def __init__(self, site: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(site, mode="backfill", **kwargs)
        self.first_urls: dict[str, str] = {}  # column -> its first list request's URL
        self.seen: dict[str, list[_PageSeen]] = {}  # column -> its list pages, in the order they were read

    async def start(self) -> AsyncIterator[Request]:
        """The spider's first list requests, one per column, remembered by column."""
        async for request in super().start():
            self.first_urls[request.meta["wjw_column"]] = request.url
            yield request

    def _list_request(self, *args: Any, **kwargs: Any) -> Request:
        """The crawl's list request, checked on its own: two columns redirected to one page are both read."""
        return super()._list_request(*args, **kwargs).replace(dont_filter=True)

    def parse_list(self, response: Response) -> Iterator[Request]:
        """Read one list page as the crawl does; ask for the next only while the check still needs it."""
        column = response.meta["wjw_column"]
        blocked = blocked_reason(response.status, response.body)
        if blocked:
            self._seen(column, _PageSeen(response.status, response.url, blocked=blocked))
        following = [r for r in super().parse_list(response) if r.meta.get("wjw_kind") == "list"]
        pages = self.seen.get(column, [])
        if following and _wants_next(pages):
            yield following[0]

    def _parse_page(self, response: Response) -> ListPage:
        """The family's reading of the page, kept for the check (a page it cannot read, too)."""
        seen = _PageSeen(response.status, response.url)
        self._seen(response.meta["wjw_column"], seen)
        try:
            page = super()._parse_page(response)
        except (ValueError, AttributeError, TypeError, KeyError) as exc:  # JSON or markup the parser cannot read
            seen.problem = f"unparseable_list: {exc}"[:200]
            raise ValueError(str(exc)) from exc
        seen.urls = [entry.url for entry in page.entries]
        seen.dates = [entry.date for entry in page.entries if entry.date]
        seen.next_urls = [request.url for request in page.next_requests]
        body = response.body.lower()
        seen.script_fetches = not page.entries and b"<script" in body and any(word in body for word in FETCHING_SCRIPT)
        return page

    def _detail_request(self, *args: Any, **kwargs: Any) -> None:
        """The check reads lists only: no detail page is fetched."""

    def on_error(self, failure: Failure) -> None:
        """Count the failure as the crawl does, and keep it for the column whose list it was."""
        super().on_error(failure)
        request = failure.request
        if request.meta.get("wjw_kind") != "list":
            return
        seen = _PageSeen(problem=_failure_reason(failure))
        if failure.check(HttpError):
            answer = failure.value.response
            seen.status, seen.final_url = answer.status, answer.url
            seen.blocked = blocked_reason(answer.status, answer.body)
            if seen.blocked:
                seen.problem = None  # the challenge is the finding, not a failure of ours
        self._seen(request.meta["wjw_column"], seen)

    def _seen(self, column: str, page: _PageSeen) -> None:
        self.seen.setdefault(column, []).append(page)

    def checks(self) -> list[ColumnCheck]:
        """One check per column of the site, in registry order."""
        # A refused redirect or a loop is counted without calling back (spiders/redirects.py, request_dropped):
        # a column that saw no answer at all failed for one of the reasons counted so.
        unanswered = next((reason for reason in UNANSWERED if self.errors[reason]), "no_response")
        return [column_check(self.site.id, column.name, self.first_urls.get(column.name, column.url),
                             self.seen.get(column.name, []), unanswered) for column in self.site.columns]


def _wants_next(pages: list[_PageSeen]) -> bool:
    """Whether the check reads the page after the last one: a shell's list, or one page past the first that lists."""
    if not pages or pages[-1].problem or pages[-1].blocked:
        return False
    listing = [page for page in pages if page.urls]
    if not listing:
        return len(pages) == 1  # page 1 lists nothing but names a page: read the list it points to
    return len(listing) == 1 and pages[-1] is listing[0]


def column_check(site_id: str, column: str, url: str, pages: list[_PageSeen], unanswered: str) -> ColumnCheck:
    """What one column's list pages add up to: items on the first that lists, and what the page after it gave."""
    if not pages:
        return ColumnCheck(site_id, column, url, problem=unanswered)
    first = pages[0]
    shell = not first.urls and len(pages) > 1
    listing = pages[1] if shell else first
    after = pages[pages.index(listing) + 1] if listing.urls and len(pages) > pages.index(listing) + 1 else None
    return ColumnCheck(
        site_id=site_id, column=column, url=url, status=first.status, final_url=first.final_url,
        items=len(listing.urls), newest=max(listing.dates, default=None), blocked=first.blocked,
        problem=first.problem or listing.problem, shell=shell, script_fetches=first.script_fetches,
        next_url=listing.next_urls[0] if listing.urls and listing.next_urls else None,
        next_items=None if after is None else len(set(after.urls) - set(listing.urls)),
        next_listed=0 if after is None else len(after.urls), next_problem=None if after is None else after.problem,
    )


def check_settings(job: SiteCheckJob, site: Site | None = None) -> Settings:
    """The crawl's settings (for one site), patient enough for an operator at the terminal, without a WARC."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES") | {"spiders.capture.WarcCaptureMiddleware": None}
    own = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": site.download_delay,
           "AUTOTHROTTLE_START_DELAY": site.download_delay} if site else {}
    for name, value in {
        **own, "DOWNLOAD_TIMEOUT": job.timeout, "DOWNLOADER_MIDDLEWARES": middlewares, "LOG_LEVEL": "WARNING",
        # The crawl's retries, with waits short enough to sit through.
        "WJW_RETRY_BACKOFF_BASE": min(0.5, job.timeout), "WJW_RETRY_MAX_WAIT": job.timeout, **job.settings,
    }.items():
        settings.set(name, value, priority="cmdline")
    return settings


def check(job: SiteCheckJob) -> list[ColumnCheck]:
    """Crawl every site's lists, `job.workers` sites at a time, one request at a time each; name each site as it ends."""
    process = CrawlerProcess(check_settings(job))
    # One reactor for all: the first crawler started installs it (crawls start in this order).
    crawlers = [(site, Crawler(CheckSpider, check_settings(job, site), init_reactor=index == 0))
                for index, site in enumerate(job.sites)]
    waiting = iter(crawlers)
    failed: list[str] = []

    def ended(result: object, site: Site) -> None:
        if isinstance(result, Failure):
            failed.append(f"{site.id}: {result.getErrorMessage()}")
        print(f"{site.id}: checked", flush=True)  # the parent shows it as progress
        start_next()

    def start_next() -> None:
        site, crawler = next(waiting, (None, None))
        if crawler is not None:
            process.crawl(crawler, site=site.to_dict()).addBoth(ended, site)

    for _ in range(max(1, job.workers)):
        start_next()
    process.start()
    if failed:
        raise RuntimeError(f"the check's crawl failed for {len(failed)} site(s): {failed[0]}")
    return [check for _, crawler in crawlers for check in crawler.spider.checks()]


def main(argv: list[str]) -> int:
    """Read the job file, crawl the lists, write the column checks where the job says."""
    if len(argv) != 2:
        print("usage: python -m spiders.check JOB.json", file=sys.stderr)
        return 2
    job = SiteCheckJob.from_dict(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    checks = [c.to_dict() for c in check(job)]
    Path(job.result_path).write_text(json.dumps(checks, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
