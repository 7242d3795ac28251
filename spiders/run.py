"""Crawl a chunk of sites in this process: `python -m spiders.run JOB.json [JOB.json …]`.

Scrapy's Twisted reactor cannot restart, but one reactor runs many crawlers:
each job gets its own crawler (its own settings, so its own concurrency,
AutoThrottle, robots.txt and WARC), all at once in one process, so the cost of
starting Python and Scrapy is paid once per chunk rather than once per site.
The archive (`archive.run.crawl`) starts the process and reads the files it
leaves. As each site finishes, its summary is written and a line
`wjw-done <n>` (the job's position) goes to stdout, so the parent stores that
site's WARC at once, whatever later happens to the others; a site whose crawl
raises gets `wjw-failed <n> <reason>` and costs only itself.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from archive.records import CrawlJob, CrawlSummary
from archive.run import killpoints
from spiders import settings as default_settings
from spiders.column import ColumnSpider

DONE = "wjw-done"
FAILED = "wjw-failed"


def job_settings(job: CrawlJob) -> Settings:
    """The Scrapy settings of one site's crawler: the project's, the site's politeness, then the job's overrides."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    site = job.site
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", site.concurrency, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", site.download_delay, priority="cmdline")
    settings.set("AUTOTHROTTLE_START_DELAY", site.download_delay, priority="cmdline")
    settings.set("WJW_WARC_PATH", job.warc_path, priority="cmdline")
    settings.set("WJW_SITE_ID", site.id, priority="cmdline")
    overrides = job.settings
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    chromium = job.chromium  # found by the parent (archive.run.crawl), which names a missing browser
    if chromium is not None:  # after the job's overrides, so the browser's timeouts follow its DOWNLOAD_TIMEOUT
        from spiders.render import render_settings  # noqa: PLC0415 - scrapy-playwright only when rendering

        for name, value in render_settings(chromium, settings["USER_AGENT"], settings.getint(
                "CONCURRENT_REQUESTS_PER_DOMAIN"), settings.getfloat("DOWNLOAD_TIMEOUT")).items():
            if name not in overrides:
                settings.set(name, value, priority="cmdline")
        settings.set("DOWNLOADER_MIDDLEWARES", {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                                                "spiders.render.RenderedResponseMiddleware": 960}, priority="cmdline")
    return settings


def summary_of(crawler: Crawler, render: bool) -> CrawlSummary:
    """A finished crawler's summary: the spider's counters plus Scrapy's stats."""
    stats = crawler.stats.get_stats()
    counts = {"responses": stats.get("downloader/response_count", 0),
              "requests": stats.get("downloader/request_count", 0),
              "robots_forbidden": stats.get("robotstxt/forbidden", 0)}
    if render:  # what the browser sent to the site: documents and their scripts, not what it was refused
        counts["browser_requests"] = (stats.get("playwright/request_count", 0)
                                      - stats.get("playwright/request_count/aborted", 0))
        counts["browser_requests_refused"] = stats.get("playwright/request_count/aborted", 0)
    numeric = {name: value for name, value in stats.items()
               if isinstance(value, (int, float)) and not isinstance(value, bool)}
    return crawler.spider.summary(counts, finish_reason=stats.get("finish_reason"), stats=numeric)


class SiteLogFilter(logging.Filter):
    """Lets through one site's records, and the process's own (those tied to no spider), into that site's log."""

    def __init__(self, site_id: str) -> None:
        super().__init__()
        self.site_id = site_id

    def filter(self, record: logging.LogRecord) -> bool:
        spider = getattr(record, "spider", None)
        site = getattr(spider, "site", None)
        return site is None or site.id == self.site_id


def install_logging(jobs: list[CrawlJob], settings: list[Settings]) -> None:
    """A log file per site (its `log_path`), at its own LOG_LEVEL; stderr gets what no site's file takes."""
    fmt = logging.Formatter(settings[0].get("LOG_FORMAT"), settings[0].get("LOG_DATEFORMAT"))
    root = logging.getLogger()
    root.setLevel(logging.NOTSET)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(fmt)
    # One site alone, or sites without a file of their own, log everything to stderr, as a lone crawl always has.
    stderr.setLevel(settings[0].get("LOG_LEVEL") if any(job.log_path is None for job in jobs) else logging.WARNING)
    root.addHandler(stderr)
    for job, site_settings in zip(jobs, settings):
        if job.log_path is None:
            continue
        handler = logging.FileHandler(job.log_path, encoding="utf-8")
        handler.setFormatter(fmt)
        handler.setLevel(site_settings.get("LOG_LEVEL"))
        handler.addFilter(SiteLogFilter(job.site.id))
        root.addHandler(handler)


def crawl(jobs: list[CrawlJob], announce=print) -> dict[int, CrawlSummary | str]:
    """Run every job's spider in one reactor; return each job's summary, or why its crawl raised.

    `announce` is told `wjw-done <n>` or `wjw-failed <n> <reason>` the moment
    job n ends, after its summary file is written.
    """
    settings = [job_settings(job) for job in jobs]
    install_logging(jobs, settings)
    # The process's own settings are only the project's: Scrapy merges them into every crawler, and at equal
    # priority they would overwrite the sites' own (their WARC path, their politeness).
    shared = Settings()
    shared.setmodule(default_settings, priority="project")
    process = CrawlerProcess(shared, install_root_handler=False)
    outcomes: dict[int, CrawlSummary | str] = {}
    for n, (job, site_settings) in enumerate(zip(jobs, settings)):
        crawler = Crawler(ColumnSpider, site_settings, init_reactor=n == 0)
        render = job.chromium is not None
        finished = process.crawl(crawler, site=job.site.to_dict(), mode=job.mode, since=job.since, until=job.until,
                                 max_pages=job.max_pages, known=job.known, revisit_days=job.revisit_days,
                                 render=render)
        finished.addCallback(_done, n, job, crawler, render, outcomes, announce)
        finished.addErrback(_failed, n, job, outcomes, announce)
    process.start()
    return outcomes


def _done(_, n: int, job: CrawlJob, crawler: Crawler, render: bool, outcomes: dict, announce) -> None:
    summary = summary_of(crawler, render)
    write_summary(job, summary)
    outcomes[n] = summary
    announce(f"{DONE} {n}")
    killpoints.reached("site_crawled")  # the fault tests' hook: this process dies with sites still crawling


def _failed(failure, n: int, job: CrawlJob, outcomes: dict, announce) -> None:
    """A site whose crawl raised (a bad row, a bug its pages trigger): named, and the others go on."""
    reason = failure.getErrorMessage().strip().splitlines()
    reason = f"{failure.type.__name__}: {reason[0] if reason else ''}".strip(": ")
    logging.getLogger("wjw.crawl").error("site %s: crawl raised %s", job.site.id, failure.getTraceback())
    outcomes[n] = reason
    announce(f"{FAILED} {n} {reason}")


def write_summary(job: CrawlJob, summary: CrawlSummary) -> None:
    """Write the summary beside the WARC, whole or not at all (the parent reads it the moment it is announced)."""
    path = Path(job.summary_path)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(path)


def main(argv: list[str]) -> int:
    """Read the job files, crawl them together; exit 0 when every site's crawl ended (1 when one raised)."""
    if len(argv) < 2:
        print("usage: python -m spiders.run JOB.json [JOB.json …]", file=sys.stderr)
        return 2
    jobs = [CrawlJob.from_dict(json.loads(Path(path).read_text(encoding="utf-8"))) for path in argv[1:]]

    def announce(line: str) -> None:
        print(line, flush=True)

    outcomes = crawl(jobs, announce)
    return 0 if all(isinstance(outcomes.get(n), CrawlSummary) for n in range(len(jobs))) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
