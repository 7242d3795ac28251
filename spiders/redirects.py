"""Redirects that stay on the site: a commission's page may move within its own hosts, nowhere else.

A detail page that redirects to another host would be archived under the
commission's URL with someone else's content, and a redirect to a private,
loopback or link-local address (169.254.169.254 is the cloud metadata
service) would turn the crawler into a probe of the network it runs in. So a
redirect (HTTP 3xx or a meta refresh) is followed only to the site's own
hosts: its base URL's, its columns' and the registry row's `allowed_hosts`.

- A target on a private, loopback, link-local or otherwise non-public address
  is refused, counted as `private_redirect`, unless the site itself is on an
  address of that kind (simweb and the tests' servers are on loopback). IP
  literals are judged as they are; a hostname among the site's hosts is
  resolved first, so a site host that comes to resolve to a private address
  is refused too. A hostname off the site is refused without a lookup.
- Any other target off the site's hosts is refused, counted as `offsite_redirect`.

A refused redirect is never requested. The 3xx itself is still in the WARC
(the capture middleware sees every exchange), and the request's errback is
dropped so the spider does not count the same refusal again as an error.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from archive.records import Site

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def site_hosts(site: Site) -> frozenset[str]:
    """The hosts a site's redirects may go to: base URL, columns, `allowed_hosts`; lower case."""
    urls = [site.base_url, *(c.url for c in site.columns)]
    hosts = {(urlsplit(u).hostname or "").lower() for u in urls}
    hosts |= {h.lower().strip() for h in site.allowed_hosts}
    return frozenset(h for h in hosts if h)


def address_kind(address: Address) -> str | None:
    """What kind of non-public address this is (`loopback`, `link_local`, `private`, …), or None if public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind
    return None


def literal_address(host: str) -> Address | None:
    """The address an IP-literal host names (`127.0.0.1`, `[::1]` without brackets), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@lru_cache(maxsize=256)
def resolved_addresses(host: str) -> tuple[Address, ...]:
    """The addresses a hostname resolves to now; empty when it does not resolve."""
    literal = literal_address(host)
    if literal is not None:
        return (literal,)
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ()
    return tuple(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos)


class RedirectPolicy:
    """Which redirect targets one site may follow, and why the others are refused."""

    def __init__(self, site: Site) -> None:
        self.hosts = site_hosts(site)
        # The kinds of non-public address the site itself lives on: those stay reachable.
        self.own_kinds = frozenset(kind for host in self.hosts for address in resolved_addresses(host)
                                   if (kind := address_kind(address)) is not None)

    def refusal(self, url: str) -> str | None:
        """`private_redirect`, `offsite_redirect`, or None when `url` may be followed."""
        host = (urlsplit(url).hostname or "").lower()
        literal = literal_address(host)
        if literal is not None:
            addresses: tuple[Address, ...] = (literal,)
        elif host in self.hosts:
            addresses = resolved_addresses(host)
        else:
            return "offsite_redirect"
        kinds = {address_kind(a) for a in addresses} - {None}
        if kinds - self.own_kinds:
            return "private_redirect"
        return None if host in self.hosts else "offsite_redirect"


class _SiteRedirects:
    """The refusal shared by both redirect middlewares: checked before Scrapy builds the next request."""

    crawler: Any
    _policy: RedirectPolicy | None = None

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        spider = self.crawler.spider
        site = getattr(spider, "site", None)
        if site is not None:
            if self._policy is None:
                self._policy = RedirectPolicy(site)
            refusal = self._policy.refusal(redirected.url)
            if refusal is not None:
                spider.errors[refusal] += 1
                spider.logger.warning("%s: %s redirects to %s (%s); not followed", site.id, request.url,
                                      redirected.url, refusal.replace("_", " "))
                request.errback = None  # counted here; the spider's errback would count it again
                raise IgnoreRequest(f"{refusal}: {redirected.url}")
        return super()._redirect(redirected, request, reason)


class SiteRedirectMiddleware(_SiteRedirects, RedirectMiddleware):
    """Scrapy's 3xx handling, kept to the site's hosts."""


class SiteMetaRefreshMiddleware(_SiteRedirects, MetaRefreshMiddleware):
    """Scrapy's meta-refresh handling, kept to the site's hosts."""
