"""Crawl one site in this process: `python -m spiders.run JOB.json`.

Scrapy's Twisted reactor cannot restart, so every site gets its own process;
the archive (`archive.run.crawl`) starts one per site and reads the files it leaves.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.records import CrawlJob, CrawlSummary
from spiders import settings as default_settings
from spiders.column import ColumnSpider


def crawl(job: CrawlJob) -> CrawlSummary:
    """Run the spider for one site as the job says; return its summary."""
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
    render = chromium is not None
    if render:  # after the job's overrides, so the browser's timeouts follow its DOWNLOAD_TIMEOUT
        from spiders.render import render_settings  # noqa: PLC0415 - scrapy-playwright only when rendering

        for name, value in render_settings(chromium, settings["USER_AGENT"], settings.getint(
                "CONCURRENT_REQUESTS_PER_DOMAIN"), settings.getfloat("DOWNLOAD_TIMEOUT")).items():
            if name not in overrides:
                settings.set(name, value, priority="cmdline")
        settings.set("DOWNLOADER_MIDDLEWARES", {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                                                "spiders.render.RenderedResponseMiddleware": 960}, priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(ColumnSpider)
    process.crawl(
        crawler,
        site=site.to_dict(),
        mode=job.mode,
        since=job.since,
        until=job.until,
        max_pages=job.max_pages,
        known=job.known,
        revisit_days=job.revisit_days,
        render=render,
    )
    process.start()
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


def main(argv: list[str]) -> int:
    """Read the job file, crawl, write the summary beside the WARC."""
    if len(argv) != 2:
        print("usage: python -m spiders.run JOB.json", file=sys.stderr)
        return 2
    job = CrawlJob.from_dict(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    summary = crawl(job)
    Path(job.summary_path).write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
