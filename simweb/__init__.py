"""A deterministic simulation of health-commission websites (six CMS families, faults, days), served over loopback HTTP."""

from importlib import import_module

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

# Where each public name lives. They are imported when first used, so `wjw --help`, which imports
# simweb.cli to register its commands, does not build the HTTP server and world machinery.
_HOMES = {"SimWeb": "simweb.server", "serve": "simweb.server", "ground_truth": "simweb.truth",
          "World": "simweb.world", "build_world": "simweb.world"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LOOPBACK_CRAWL_SETTINGS", "SimWeb", "World", "build_world", "ground_truth", "serve"]
