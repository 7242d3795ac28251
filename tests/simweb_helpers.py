"""Shared helpers for tests that crawl simweb."""

from __future__ import annotations

from archive.records import Site
from archive.registry import sites_from_rows

from simweb import LOOPBACK_CRAWL_SETTINGS

# Crawl settings for simweb in tests: our own loopback server owes no politeness delay.
FAST = LOOPBACK_CRAWL_SETTINGS

# Page chrome that must never reach an extracted text (simweb's pages and the saved real ones alike).
CHROME = ("版权所有", "技术支持", "浏览次数", "【字体", "您的位置", "当前位置", "打印本页", "关闭窗口",
          "分享到", "返回顶部", "ICP备", "网站标识码", "公网安备")


def site_of_family(simweb, family: str, robots_clean: bool = True) -> Site:
    """The first simulated site of a CMS family (by default one whose robots.txt hides no plan)."""
    hidden = {t["site_id"] for t in simweb.truth() if t["robots_disallowed"]}
    for site in sites_from_rows(simweb.registry_rows()):
        if site.cms == family and not (robots_clean and site.id in hidden):
            return site
    raise LookupError(family)


def plan_urls(simweb, site_id: str) -> set[str]:
    """The URLs of a site's work plans that a polite crawler may fetch, per ground truth."""
    return {t["url"] for t in simweb.truth()
            if t["site_id"] == site_id and t["is_plan"] and not t["robots_disallowed"]}
