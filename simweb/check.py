"""`wjw simweb check`: walk every site of every family over HTTP and hold what is served against the ground truth.

The walk is a reference crawler per family (the same list mechanics a real spider must follow), polite
(robots.txt obeyed), with a short timeout. A document the truth lists must be listed and served with its
title, unless a fault of that day explains why not; every fault the truth declares must be served as declared.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from simweb import mechanics
from simweb.model import Site
from simweb.removals import NOTICES
from simweb.server import SimWeb

CLIENT_TIMEOUT = 5.0
FAULT_PROBE_TIMEOUT = 1.0  # shorter than the server's stall, so a `timeout` fault shows as one

TRS_PAGER = re.compile(r'createPageHTML\((\d+),\s*(\d+),\s*"index",\s*"(s?html)"\)')
TRS_ITEM = re.compile(r'<li><a href="(\./\d{6}/t\d{8}_\d+\.s?html)"')
RECORD_HREF = re.compile(r"<record><!\[CDATA\[<li><a href=\"(/art/[^\"]+)\"")
NEXT_GROUP = re.compile(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"></a>\]\]></nextgroup>')
TOTAL_PAGES = re.compile(r"<totalpage>(\d+)</totalpage>")
JPAAS_UNIT = re.compile(r"var jpaasUnit = (\{.*?\});")
HREF = re.compile(r'href="([^"]+)"')
VSB_NEXT = re.compile(r'<a href="([^"]+)" class="Next">下页</a>')
VSB_ITEM = re.compile(r'href="((?:\.\./)*info/\d+/\d+\.htm)"')
GENERIC_NEXT = re.compile(r'<a href="([^"]+)">下一页</a>')
GENERIC_ITEM = re.compile(r'<(?:li|td class="title")><a href="(/[^"?]+\.html)"')


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


def fetch(url: str, timeout: float = CLIENT_TIMEOUT, data: bytes | None = None, decode_gzip: bool = True) -> Fetched:
    """GET (or POST) without following redirects; errors become a status 0 with a reason."""
    request = urllib.request.Request(url, data=data, headers={"User-Agent": "wjw-simweb-check/2"})
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
            connection.request("GET", target, headers={"User-Agent": "wjw-simweb-check/2"})
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


def _get_text(url: str, encoding: str, walk: SiteWalk) -> str | None:
    got = fetch_kept(url)
    if got.status != 200:
        walk.problems.append(f"list page {url} answered {got.status or got.error}")
        return None
    return got.body.decode(encoding, "replace")


def _walk_trs(site: Site, url: str, walk: SiteWalk) -> list[str]:
    text = _get_text(url, site.body_encoding, walk)
    if text is None:
        return []
    pager = TRS_PAGER.search(text)
    if not pager:
        walk.problems.append(f"{url}: no createPageHTML")
        return []
    pages, current, ext = int(pager[1]), int(pager[2]), pager[3]
    one_based = current == 1
    found = [urljoin(url, h) for h in TRS_ITEM.findall(text)]
    while (current < pages) if one_based else (current + 1 < pages):
        page_url = urljoin(url, f"index_{current + 1}.{ext}")
        text = _get_text(page_url, site.body_encoding, walk)
        if text is None:
            break
        found += [urljoin(page_url, h) for h in TRS_ITEM.findall(text)]
        current = int(TRS_PAGER.search(text)[2])
    return found


def _walk_hanweb(site: Site, url: str, walk: SiteWalk) -> list[str]:
    text = _get_text(url, "utf-8", walk)
    if text is None:
        return []
    found = [urljoin(url, h) for h in RECORD_HREF.findall(text)]
    pages = int(TOTAL_PAGES.search(text)[1])
    proxy = urljoin(url, html.unescape(NEXT_GROUP.search(text)[1]))
    for page in range(2, pages + 1):
        body = _get_text(proxy.replace("page=1&", f"page={page}&"), "utf-8", walk)
        found += [urljoin(url, h) for h in RECORD_HREF.findall(body or "")]
    return found


def _walk_jpaas(site: Site, url: str, walk: SiteWalk) -> list[str]:
    text = _get_text(url, site.body_encoding, walk)
    if text is None:
        return []
    unit = json.loads(JPAAS_UNIT.search(text)[1])
    found: list[str] = []
    page = 1
    while True:
        api = urljoin(url, "/api-gateway/jpaas-publish-server/front/page/build/unit?webId={webId}&pageId={pageId}"
                      "&parseType=bulidstatic&pageType=column&tagId=%E5%BD%93%E5%89%8D%E6%A0%8F%E7%9B%AElist"
                      "&tplSetId={tplSetId}".format(**unit) + f"&paramJson=%7B%22pageNo%22%3A{page}%2C%22pageSize%22%3A15%7D")
        body = _get_text(api, "utf-8", walk)
        if body is None:
            break
        data = json.loads(body)["data"]
        hrefs = HREF.findall(data["html"])
        found += [urljoin(url, h) for h in hrefs]
        if not hrefs or len(found) >= data["total"]:
            break
        page += 1
    return found


def _walk_gkmlpt(site: Site, url: str, walk: SiteWalk) -> list[str]:
    found: list[str] = []
    page = 1
    while True:
        body = _get_text(url.replace("page=1&", f"page={page}&"), "utf-8", walk)
        if body is None:
            break
        data = json.loads(body)
        found += [article["url"] for article in data["articles"]]
        if not data["articles"] or len(found) >= data["total"]:
            break
        page += 1
    return found


def _walk_linked(next_link: re.Pattern, item: re.Pattern) -> Callable[..., list[str]]:
    def walk_pages(site: Site, url: str, walk: SiteWalk, encode: Callable[[str], str] = str) -> list[str]:
        found: list[str] = []
        seen = set()
        while url and url not in seen and len(seen) < 500:
            seen.add(url)
            text = _get_text(url, site.body_encoding, walk)
            if text is None:
                break
            found += [urljoin(url, html.unescape(h)) for h in item.findall(text)]
            following = next_link.search(text)
            url = encode(urljoin(url, html.unescape(following[1]))) if following else ""
        return found
    return walk_pages


MECHANIC_ITEM = re.compile(r'<(?:li|p)><a href="(/[^"]+)" target="_(?:blank|parent)">')
FORM_PAGES = re.compile(r"共(\d+)页")
FRAME_SRC = re.compile(r'<iframe id="listFrame" name="listFrame" src="([^"]+)"')
LIST_API = re.compile(r'var listApi = "([^"]+)"')
JSONP_BODY = re.compile(r"^\w+\((.*)\);$", re.DOTALL)


def _walk_mechanics(site: Site, url: str, walk: SiteWalk, column: dict) -> list[str]:
    """The reference reading of a site of list mechanics (simweb.mechanics), one shape each."""
    if site.shape == "form":
        text = _get_text(url, site.body_encoding, walk)
        if text is None:
            return []
        found = [urljoin(url, html.unescape(h)) for h in MECHANIC_ITEM.findall(text)]
        channel = url.rsplit("=", 1)[1]
        for number in range(2, int(FORM_PAGES.search(text)[1]) + 1):
            got = fetch(url.split("?")[0], data=f"channelId={channel}&pageNo={number}".encode())
            found += [urljoin(url, html.unescape(h)) for h in MECHANIC_ITEM.findall(got.body.decode(site.body_encoding))]
        return found
    if site.shape == "gbkquery":  # the pager writes the hanzi raw: ask in GBK, as the site reads it
        follow = _walk_linked(GENERIC_NEXT, MECHANIC_ITEM)
        return follow(site, url, walk, lambda href: quote(href, safe=":/?&=%", encoding="gbk"))
    if site.shape == "frame":
        text = _get_text(url, site.body_encoding, walk)
        return _walk_linked(GENERIC_NEXT, MECHANIC_ITEM)(site, urljoin(url, FRAME_SRC.search(text)[1]), walk) if text else []
    declared = column.get("list_data")
    text = None if declared else _get_text(url, site.body_encoding, walk)
    first = declared["url"].replace("{page}", "1") if declared else urljoin(url, LIST_API.search(text or "")[1])
    found: list[str] = []
    for number in range(1, 500):
        page_url = first.replace("page=1&", f"page={number}&").replace("pageIndex=1&", f"pageIndex={number}&")
        body = _get_text(page_url, "utf-8", walk)
        data = json.loads(JSONP_BODY.match(body)[1] if body and not declared else body or "{}")
        items = data["data"]["list"] if declared else data["results"]
        if not items:
            break
        found += [urljoin(url, item["lj" if declared else "url"]) for item in items]
    return found


WALKERS = {
    "trs": _walk_trs, "hanweb": _walk_hanweb, "jpaas": _walk_jpaas, "gkmlpt": _walk_gkmlpt,
    "vsb": _walk_linked(VSB_NEXT, VSB_ITEM), "generic": _walk_linked(GENERIC_NEXT, GENERIC_ITEM),
}


def walk_site(web: SimWeb, site: Site, blocked: bool) -> SiteWalk:
    """List every column of a site as its family's crawler would, obeying robots.txt."""
    walk = SiteWalk(site.id)
    base = web.base_url(site.id)
    rules = urllib.robotparser.RobotFileParser()
    rules.parse(fetch_kept(base + "robots.txt").body.decode("ascii").splitlines())
    if blocked:
        return walk
    row = next(r for r in web.registry_rows() if r["id"] == site.id)
    for column in row["columns"]:
        if not rules.can_fetch("wjw", column["url"]):
            continue
        if site.shape in mechanics.SHAPES:
            urls = _walk_mechanics(site, column["url"], walk, column)
        else:
            urls = WALKERS[site.cms](site, column["url"], walk)
        for url in urls:
            if url in walk.listed:
                walk.problems.append(f"{url} listed twice")
            walk.listed[url] = column["name"]
    return walk


TAG = re.compile(r"<[^>]+>")


def _visible(body: bytes, encoding: str) -> str:
    return html.unescape(TAG.sub("", body.decode(encoding, "replace")))


def check_document(web: SimWeb, site: Site, row: dict, walk: SiteWalk) -> list[str]:
    """A reachable document must be listed in its column and served with its title and text."""
    url = row["url"]
    if row["robots_disallowed"] or "blocked_by_waf" in row["faults"]:
        return [f"{url}: robots-fenced or blocked but listed"] if url in walk.listed else []
    if url not in walk.listed:
        return [f"{url}: not listed in {row['column']}"]
    if walk.listed[url] != row["column"]:
        return [f"{url}: listed under {walk.listed[url]}, truth says {row['column']}"]
    if not row["reachable"] or {"slow_body", "redirect_chain", "oversize_page"} & set(row["faults"]):
        return []  # the fault probes check these
    got = fetch_kept(url)
    if got.status != 200:
        return [f"{url}: {got.status or got.error}"]
    if "file_plan" in row["mechanisms"]:  # the list links the file itself
        return _check_attachment(row)
    text = _visible(got.body, site.body_encoding)
    problems = [] if row["title"] in text else [f"{url}: title missing"]
    if row["cover_notice"]:
        problems += _check_attachment(row)
    else:
        lines = [line for line in row["text"].split("\n") if "\t" not in line]
        for line in (lines[0], lines[-1]):
            if line not in text:
                problems.append(f"{url}: text line missing: {line[:30]}")
    return problems


MAGIC = {"pdf": b"%PDF", "docx": b"PK\x03\x04", "doc": b"\xd0\xcf\x11\xe0", "wps": b"\xd0\xcf\x11\xe0"}


def _check_attachment(row: dict) -> list[str]:
    got = fetch_kept(row["attachment_url"])
    if got.status != 200 or not got.body.startswith(MAGIC[row["attachment_type"]]):
        return [f"{row['attachment_url']}: not a {row['attachment_type']} ({got.status or got.error})"]
    if got.headers.get("Content-Type") != row["attachment_content_type"]:
        return [f"{row['attachment_url']}: Content-Type {got.headers.get('Content-Type')}"]
    return []


def probe_fault(web: SimWeb, fault: dict) -> str | None:
    """Request a declared fault's URL and say what, if anything, differs from the declaration."""
    url, name = fault["url"], fault["fault"]
    if name in ("http_404", "http_500", "http_503"):
        got = fetch(url)
        want = int(name[-3:])
        if got.status != want or (want == 503 and "Retry-After" not in got.headers):
            return f"{url}: {name} declared, got {got.status or got.error}"
    elif name == "timeout":
        got = fetch(url, timeout=FAULT_PROBE_TIMEOUT)
        if got.error != "timeout":
            return f"{url}: timeout declared, got {got.status or got.error}"
    elif name == "slow_body":
        start = time.monotonic()
        got = fetch(url, timeout=web.slow_body_seconds + CLIENT_TIMEOUT)
        if got.status != 200 or time.monotonic() - start < web.slow_body_seconds * 0.5:
            return f"{url}: slow_body declared, got {got.status} in {time.monotonic() - start:.1f}s"
    elif name in ("redirect_chain", "redirect_loop"):
        hops, seen, current = 0, set(), url
        while hops < 10:
            got = fetch(current)
            if got.status not in (301, 302):
                break
            seen.add(current)
            current = urljoin(current, got.headers["Location"])
            hops += 1
            if current in seen:
                break
        if name == "redirect_chain" and not (hops >= 2 and got.status == 200):
            return f"{url}: redirect_chain declared, {hops} hops ending {got.status}"
        if name == "redirect_loop" and current not in seen:
            return f"{url}: redirect_loop declared, no loop after {hops} hops"
    elif name == "blocked_by_waf":
        got = fetch(url)
        want = 412 if fault["detail"] == "ruishu_412" else 521
        if got.status != want:
            return f"{url}: blocked_by_waf ({fault['detail']}) declared, got {got.status}"
    elif name == "robots_disallowed":
        base = url[:url.index("/", 8) + 1]
        rules = urllib.robotparser.RobotFileParser()
        rules.parse(fetch(base + "robots.txt").body.decode("ascii").splitlines())
        if rules.can_fetch("wjw", url):
            return f"{url}: robots_disallowed declared, robots.txt allows it"
    elif name == "truncated_body":
        got = fetch(url)
        if got.error != "truncated":
            return f"{url}: truncated_body declared, got {got.status or got.error}"
    elif name == "oversize_page":
        got = fetch(url)
        if got.status != 200 or len(got.body) < 3 * 1024 * 1024:
            return f"{url}: oversize_page declared, got {len(got.body)} bytes"
    elif name == "gzip_bomb":
        got = fetch(url)
        inflated = len(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(got.body, 32 * 1024 * 1024))
        if got.headers.get("Content-Encoding") != "gzip" or len(got.body) > 1024 * 1024 or inflated < 16 * 1024 * 1024:
            return f"{url}: gzip_bomb declared, {len(got.body)} bytes inflating to {inflated}"
    elif name == "spider_trap":
        current = url
        for _ in range(3):
            got = fetch(current)
            months = [h for h in HREF.findall(got.body.decode("utf-8", "replace")) if re.fullmatch(r"/calendar/\d{4}-\d{2}\.html", h)]
            if got.status != 200 or len(months) < 2:
                return f"{current}: spider_trap declared, no month links"
            current = urljoin(current, months[-1])
    elif name == "tracking_params":
        got, clean = fetch(url), fetch(url.partition("?")[0])
        if got.status != 200 or got.body != clean.body:
            return f"{url}: tracking_params declared, the variant differs from the clean URL"
    elif name == "spam_footer":
        site = next(s for s in web.sites if s.id == fault["site_id"])
        if "365足球外围网站" not in fetch(url).body.decode(site.body_encoding, "replace"):
            return f"{url}: spam_footer declared, footer clean"
    elif name == "deleted":
        got = fetch(url)
        site = next(s for s in web.sites if s.id == fault["site_id"])
        text = got.body.decode(site.body_encoding, "replace")
        if not (got.status in (404, 410) or (got.status == 200 and any(n in text for _, n in NOTICES))):
            return f"{url}: deleted declared, got {got.status}"
    elif name == "delisted":
        if fetch(url).status != 200:
            return f"{url}: delisted declared (still served), got {fetch(url).status}"
    else:
        return f"{url}: unknown fault {name}"
    return None


@dataclass
class CheckResult:
    """The figures `wjw simweb check` prints, and the problems behind a `consistent=no`."""

    day: int
    sites: int
    families: int
    documents: int
    plans: int
    faults: int
    problems: list[str]

    @property
    def consistent(self) -> bool:
        """Whether everything served matched the ground truth."""
        return not self.problems

    def line(self) -> str:
        """The one-line summary."""
        return (f"sites={self.sites} families={self.families} documents={self.documents} plans={self.plans} "
                f"faults={self.faults} consistent={'yes' if self.consistent else 'no'}")


def check(web: SimWeb, workers: int = 4) -> CheckResult:
    """Walk every site of the running web on its current day and compare with the ground truth."""
    truth = web.truth()
    faults = web.faults()
    blocked = {f["site_id"] for f in faults if f["fault"] == "blocked_by_waf"}
    problems: list[str] = []
    # Server and checker share one interpreter, so a few threads beat many; the slow fault probes run alongside.
    with ThreadPoolExecutor(len(faults) or 1) as probes, ThreadPoolExecutor(workers) as pool:
        probed = [probes.submit(probe_fault, web, fault) for fault in faults]
        walks = {w.site_id: w for w in pool.map(lambda s: walk_site(web, s, s.id in blocked), web.sites)}
        sites = {s.id: s for s in web.sites}
        for result in pool.map(lambda row: check_document(web, sites[row["site_id"]], row, walks[row["site_id"]]), truth):
            problems += result
        problems += [p for p in (future.result() for future in probed) if p]
    for walk in walks.values():
        problems += walk.problems
    known = {row["url"] for row in truth}
    problems += [f"{url}: listed but not in the ground truth" for walk in walks.values() for url in walk.listed if url not in known]
    return CheckResult(
        day=web.day, sites=len(web.sites), families=len({s.cms for s in web.sites}), documents=len(truth),
        plans=sum(row["is_plan"] for row in truth), faults=len(faults), problems=problems,
    )


def run_check(day: int = 0, seed: int = 0, port: int = 0) -> CheckResult:
    """Build the world, serve it on a day, check it, stop serving."""
    from simweb.world import build_world

    with SimWeb(build_world(seed), day=day, port=port) as web:
        return check(web)
