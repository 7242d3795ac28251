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

from spiders import settings as default_settings
from spiders.column import ColumnSpider


def crawl(job: dict) -> dict:
    """Run the spider for one site as the job says; return its summary."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    site = job["site"]
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", site.get("concurrency", 2), priority="cmdline")
    settings.set("DOWNLOAD_DELAY", site.get("download_delay", 0.5), priority="cmdline")
    settings.set("AUTOTHROTTLE_START_DELAY", site.get("download_delay", 0.5), priority="cmdline")
    settings.set("WJW_WARC_PATH", job["warc_path"], priority="cmdline")
    settings.set("WJW_SITE_ID", site["id"], priority="cmdline")
    overrides = job.get("settings", {})
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    chromium = job.get("chromium")  # found by the parent (archive.run.crawl), which names a missing browser
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
        site=site,
        mode=job.get("mode", "backfill"),
        since=job.get("since"),
        until=job.get("until"),
        max_pages=job.get("max_pages"),
        known=job.get("known", {}),
        revisit_days=job.get("revisit_days", 30),
        render=render,
    )
    process.start()
    summary = crawler.spider.summary()
    stats = crawler.stats.get_stats()
    summary["counts"]["responses"] = stats.get("downloader/response_count", 0)
    summary["counts"]["requests"] = stats.get("downloader/request_count", 0)
    summary["counts"]["robots_forbidden"] = stats.get("robotstxt/forbidden", 0)
    if render:  # what the browser sent to the site: documents and their scripts, not what it was refused
        summary["counts"]["browser_requests"] = (stats.get("playwright/request_count", 0)
                                                 - stats.get("playwright/request_count/aborted", 0))
        summary["counts"]["browser_requests_refused"] = stats.get("playwright/request_count/aborted", 0)
    summary["finish_reason"] = stats.get("finish_reason")
    return summary


def main(argv: list[str]) -> int:
    """Read the job file, crawl, write the summary beside the WARC."""
    if len(argv) != 2:
        print("usage: python -m spiders.run JOB.json", file=sys.stderr)
        return 2
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    summary = crawl(job)
    Path(job["summary_path"]).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
