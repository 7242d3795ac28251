"""`wjw simweb check`: walk every site of every family over HTTP and hold what is served against the ground truth.

The walk is a reference crawler per family (the same list mechanics a real spider must follow), each
written beside the pages it reads (`walk_list` in simweb/<family>.py, on the client in simweb/walk.py),
polite (robots.txt obeyed), with a short timeout. A document the truth lists must be listed and served with its
title, unless a fault of that day explains why not; every fault the truth declares must be served as declared.
"""

from __future__ import annotations

import html
import re
import time
import urllib.robotparser
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin

from simweb.families import FAMILIES, family_of
from simweb.model import Site
from simweb.server import SimWeb
from simweb.walk import CLIENT_TIMEOUT, HREF, SiteWalk, fetch, fetch_kept

FAULT_PROBE_TIMEOUT = 1.0  # shorter than the server's stall, so a `timeout` fault shows as one

# Each family reads its own lists, beside the pages it renders (simweb/<family>.py); list mechanics likewise.
WALKERS = {name: module.walk_list for name, module in FAMILIES.items()}


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
        urls = family_of(site).walk_list(site, column, walk)
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
        if not (got.status == 404 or (got.status == 200 and "已删除" in got.body.decode(site.body_encoding, "replace"))):
            return f"{url}: deleted declared, got {got.status}"
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
