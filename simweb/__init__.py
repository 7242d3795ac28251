"""A deterministic simulation of health-commission websites (six CMS families, faults, days), served over loopback HTTP."""

from simweb.server import SimWeb, serve
from simweb.truth import ground_truth
from simweb.world import World, build_world

# Scrapy settings for crawling simweb: it is our own server on loopback, so no
# politeness delay is owed, and a download timeout well under the server's
# 20-second stall turns simulated hangs into `timeout` quickly.
LOOPBACK_CRAWL_SETTINGS = (
    ("DOWNLOAD_DELAY", 0),
    ("AUTOTHROTTLE_ENABLED", False),
    ("LOG_LEVEL", "WARNING"),
    ("DOWNLOAD_TIMEOUT", 8),
    ("WJW_RETRY_BACKOFF_BASE", 0.2),
    ("WJW_RETRY_MAX_WAIT", 3),
)

__all__ = ["LOOPBACK_CRAWL_SETTINGS", "SimWeb", "World", "build_world", "ground_truth", "serve"]
