"""Scrapy settings: polite by default (robots.txt, AutoThrottle, two requests per site)."""

from __future__ import annotations

from archive.config import user_agent

BOT_NAME = "wjw"
SPIDER_MODULES = ["spiders.column"]

USER_AGENT = user_agent()
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
# Scrapy starts this many tasks for every callback's output, however little it yields (a list page yields
# a few dozen requests, a detail page one item); with many sites in one process 100 tasks per callback is
# most of the reactor's work.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
# Timeouts and connection drops are retried too (Scrapy's default list).

# Sees every exchange raw, before decompression and before redirects and
# retries are handled, so the WARC holds what the server really sent.
DOWNLOADER_MIDDLEWARES = {
    "spiders.capture.WarcCaptureMiddleware": 950,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.robots.WaitingRobotsTxtMiddleware": 100,
    "spiders.retry.BackoffRetryMiddleware": 550,
    # Redirects are followed only to the site's own hosts, never to private addresses (spiders/redirects.py).
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.redirects.SiteRedirectMiddleware": 600,
    "spiders.redirects.SiteMetaRefreshMiddleware": 580,
}
WJW_RETRY_BACKOFF_BASE = 2.0
WJW_RETRY_MAX_WAIT = 120.0


COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
