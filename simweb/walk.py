"""The reference client `wjw simweb check` walks the sites with: plain HTTP, no redirects followed, every failure named.

Each family's module reads its own lists with it (`walk_list` in simweb/<family>.py, beside the pages it
renders), so a family's list mechanics are written once for the server and once for the walk, in one place.
"""

from __future__ import annotations

import html
import http.client
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from simweb.model import Site

CLIENT_TIMEOUT = 5.0
USER_AGENT = "wjw-simweb-check/2"
HREF = re.compile(r'href="([^"]+)"')
# A site's pager can loop; no simweb column has this many pages.
MAX_LIST_PAGES = 500


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Fetched:
    """One HTTP exchange as the checker saw it."""

    status: int
    headers: dict
    body: bytes
    error: str = ""


def fetch(url: str, timeout: float = CLIENT_TIMEOUT, data: bytes | None = None) -> Fetched:
    """GET (or POST) without following redirects; errors become a status 0 with a reason."""
    request = urllib.request.Request(url, data=data, headers={"User-Agent": USER_AGENT})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Fetched(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        try:
            body = error.read()
        except http.client.IncompleteRead as partial:
            body = partial.partial
        return Fetched(error.code, dict(error.headers), body)
    except http.client.IncompleteRead as partial:
        return Fetched(0, {}, partial.partial, "truncated")
    except TimeoutError:
        return Fetched(0, {}, b"", "timeout")
    except urllib.error.URLError as error:
        reason = "timeout" if isinstance(error.reason, (TimeoutError, socket.timeout)) else str(error.reason)
        return Fetched(0, {}, b"", reason)
    except (ConnectionError, http.client.HTTPException) as error:
        return Fetched(0, {}, b"", type(error).__name__)


_LOCAL = threading.local()


def fetch_kept(url: str) -> Fetched:
    """GET over a kept-alive connection per thread and host: the walk makes thousands of plain requests."""
    parts = urlsplit(url)
    connections = _LOCAL.__dict__.setdefault("connections", {})
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in range(2):
        connection = connections.get(parts.netloc)
        if connection is None:
            connection = connections[parts.netloc] = http.client.HTTPConnection(parts.netloc, timeout=CLIENT_TIMEOUT)
        try:
            connection.request("GET", target, headers={"User-Agent": USER_AGENT})
            response = connection.getresponse()
            body = response.read()
            if response.will_close:
                connection.close()
                del connections[parts.netloc]
            return Fetched(response.status, dict(response.headers), body)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            del connections[parts.netloc]
            if attempt:
                return Fetched(0, {}, b"", type(error).__name__)
    raise AssertionError("unreachable")


@dataclass
class SiteWalk:
    """What walking one site found."""

    site_id: str
    listed: dict[str, str] = field(default_factory=dict)  # detail URL -> column name
    problems: list[str] = field(default_factory=list)


def get_text(url: str, encoding: str, walk: SiteWalk) -> str | None:
    """A list page's text, or None with the problem noted when it does not answer 200."""
    got = fetch_kept(url)
    if got.status != 200:
        walk.problems.append(f"list page {url} answered {got.status or got.error}")
        return None
    return got.body.decode(encoding, "replace")


def first_list_text(site: Site, column: dict, walk: SiteWalk, encoding: str | None = None) -> tuple[str, str | None]:
    """A column's URL and its first page's text (None, with the problem noted, when it does not answer 200)."""
    url = column["url"]
    return url, get_text(url, encoding or site.body_encoding, walk)


Walker = Callable[..., list[str]]


def linked_pages(next_link: re.Pattern, item: re.Pattern, encode: Callable[[str], str] = str) -> Walker:
    """A walker for lists whose pages link the next one: follow `next_link`, collect `item` hrefs."""
    def walk_list(site: Site, column: dict, walk: SiteWalk) -> list[str]:
        found: list[str] = []
        seen = set()
        url = column["url"]
        while url and url not in seen and len(seen) < MAX_LIST_PAGES:
            seen.add(url)
            text = get_text(url, site.body_encoding, walk)
            if text is None:
                break
            found += [urljoin(url, html.unescape(h)) for h in item.findall(text)]
            following = next_link.search(text)
            url = encode(urljoin(url, html.unescape(following[1]))) if following else ""
        return found
    return walk_list
