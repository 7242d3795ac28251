"""Redirects stay on the site's hosts and off private addresses (spiders/redirects.py).

The unit tests send nothing: the policy only parses and classifies
URLs, and the middleware is handed made-up 3xx responses. Real crawls: simweb's
same-site redirects below, and testkit/hostile.py's offsite and metadata
redirects in tests/spiders/test_hostile.py (loopback only).
"""

from __future__ import annotations

import io

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from archive.records import Site
from archive.registry import RegistryError, sites_from_rows
from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions, crawl_site
from spiders.column import ColumnSpider
from spiders.redirects import RedirectPolicy, SiteMetaRefreshMiddleware, SiteRedirectMiddleware, site_hosts
from tests.simweb_helpers import FAST, plan_urls


def a_site(base: str = "http://127.0.0.1:8080/", plans: str = "http://127.0.0.3:8080/ghjh/", **extra) -> Site:
    return Site.from_dict({
        "id": "hostile-wjw", "name": "测试卫生健康委员会", "level": "city", "region_code": "420100",
        "base_url": base, "cms": "generic",
        "columns": [{"name": "通知公告", "url": base + "tzgg/index.html"},
                    {"name": "规划计划", "url": plans}],
        **extra,
    })


def test_the_site_hosts_are_base_columns_and_allowed_hosts():
    site = a_site(allowed_hosts=["ZWGK.Example.gov.cn"])
    assert site_hosts(site) == {"127.0.0.1", "127.0.0.3", "zwgk.example.gov.cn"}


@pytest.mark.parametrize(("target", "refusal"), [
    ("http://127.0.0.1:8080/art/2024/1.html", None),          # the site's own host
    ("http://127.0.0.1:9999/elsewhere.html", None),           # same host, another port
    ("https://127.0.0.3/ghjh/2.html", None),                  # a column's host
    ("http://127.0.0.2:8080/art/2024/1.html", "offsite_redirect"),  # loopback like the site, but not its host
    ("http://www.example.com/", "offsite_redirect"),          # refused without a DNS lookup
    ("http://169.254.169.254/latest/meta-data/", "private_redirect"),
    ("http://[fe80::1]/", "private_redirect"),
    ("http://10.0.0.1/", "private_redirect"),
    ("http://192.168.1.1/admin", "private_redirect"),
    ("http://[::ffff:169.254.169.254]/", "private_redirect"),
])
def test_a_loopback_site_may_redirect_only_to_its_hosts(target, refusal):
    assert RedirectPolicy(a_site()).refusal(target) == refusal


@pytest.mark.parametrize(("target", "refusal"), [
    ("http://1.2.3.4/a.html", None),
    ("http://127.0.0.1/", "private_redirect"),
    ("http://[::1]/", "private_redirect"),
    ("http://0.0.0.0/", "private_redirect"),
    ("http://5.6.7.8/", "offsite_redirect"),
])
def test_a_public_site_may_not_redirect_to_loopback(target, refusal):
    # An IP-literal public site: nothing is resolved and nothing is sent.
    site = a_site("http://1.2.3.4/", plans="http://1.2.3.4/ghjh/")
    assert RedirectPolicy(site).refusal(target) == refusal


def test_an_allowed_host_is_followed():
    site = a_site(allowed_hosts=["127.0.0.9"])
    assert RedirectPolicy(site).refusal("http://127.0.0.9/x.html") is None


def test_an_allowed_host_must_be_a_bare_hostname():
    row = a_site().to_dict() | {"allowed_hosts": ["http://evil.example.com/"]}
    with pytest.raises(RegistryError, match="allowed host 'http://evil.example.com/' must be a bare hostname"):
        sites_from_rows([row])


def spider_and(middleware_cls):
    crawler = get_crawler(ColumnSpider)
    crawler.spider = crawler._create_spider(site=a_site().to_dict())
    return crawler.spider, middleware_cls.from_crawler(crawler)


def test_a_refused_redirect_is_counted_once_and_never_requested():
    spider, middleware = spider_and(SiteRedirectMiddleware)
    request = Request("http://127.0.0.1:8080/art/2024/1.html", errback=spider.on_error)
    response = Response(request.url, status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"},
                        request=request)
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, response)
    assert spider.errors == {"private_redirect": 1}
    # The spider's errback would count the IgnoreRequest again, as an error of another name.
    assert request.errback is None


def test_an_offsite_redirect_is_counted_and_an_onsite_one_followed():
    spider, middleware = spider_and(SiteRedirectMiddleware)
    request = Request("http://127.0.0.1:8080/art/2024/2.html", errback=spider.on_error)
    moved = Response(request.url, status=301, headers={"Location": "/art/2024/2-new.html"}, request=request)
    followed = middleware.process_response(request, moved)
    assert isinstance(followed, Request) and followed.url == "http://127.0.0.1:8080/art/2024/2-new.html"
    away = Response(request.url, status=302, headers={"Location": "http://127.0.0.2:8080/x.html"}, request=request)
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, away)
    assert spider.errors == {"offsite_redirect": 1}


def test_a_meta_refresh_off_the_site_is_refused_too():
    spider, middleware = spider_and(SiteMetaRefreshMiddleware)
    request = Request("http://127.0.0.1:8080/art/2024/3.html", errback=spider.on_error)
    page = HtmlResponse(request.url, body=b'<html><head><meta http-equiv="refresh" content="0;url=http://10.1.2.3/">'
                        b"</head></html>", request=request)
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, page)
    assert spider.errors == {"private_redirect": 1}


@pytest.mark.parametrize(("site_id", "fault"), [("sim-gzh-wjw", "redirect_chain"), ("sim-xj-wjw", "redirect_loop")])
def test_simweb_redirects_within_a_site_behave_as_before(simweb, local_store, site_id, fault):
    """A chain of same-site hops still reaches its plan; a loop is still a loop, not a refusal."""
    site = next(s for s in sites_from_rows(simweb.registry_rows()) if s.id == site_id)
    result = crawl_site(site, local_store, f"20260101T000000Z-{fault}", CrawlOptions(mode="backfill", settings=FAST))
    errors = result.summary.errors
    assert not errors.get("offsite_redirect") and not errors.get("private_redirect"), errors
    if fault == "redirect_loop":
        assert errors.get("redirect_loop", 0) >= 1, errors
    else:
        captures = list(read_captures(io.BytesIO(local_store.get(result.warc_key))))
        # The chain ends on the plan's own path (with simweb's ?from=redirect marker).
        fetched = {c.url.split("?", 1)[0] for c in captures if c.kind == "detail" and c.status == 200}
        assert any("redirect.jsp" in c.url for c in captures)
        assert plan_urls(simweb, site.id) <= fetched
