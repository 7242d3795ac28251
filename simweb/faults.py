"""The fault catalogue: what goes wrong where, on which day, and how a faulty response looks.

Every fault has the name a crawler's run report should count it under. Faults are fixed per (URL, day):
the same request on the same day always misbehaves the same way, so two crawls of a day agree.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import random
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, quote

from simweb.model import Site, World
from simweb.pages import Response, esc

FAULT_NAMES = (
    "http_404", "http_500", "http_503", "timeout", "slow_body", "redirect_chain", "redirect_loop", "blocked_by_waf",
    "robots_disallowed", "truncated_body", "oversize_page", "gzip_bomb", "spider_trap", "tracking_params", "spam_footer",
    "deleted", "delisted",
)
# Faults after which a polite crawler cannot get the document's text that day.
BLOCKING = {"http_404", "http_500", "http_503", "timeout", "redirect_loop", "blocked_by_waf", "robots_disallowed",
            "truncated_body", "gzip_bomb", "deleted"}

# (day, site id, fault, what: plan | doc | site, detail). Day 0 blocks no whole site: `wjw demo` crawls day 0
# and fails when a site yields no list page at all.
SCHEDULE: tuple[tuple[int, str, str, str, str], ...] = (
    (0, "sim-sy-wjj", "http_404", "plan", ""),
    (0, "sim-yz-wjw", "http_500", "plan", ""),
    (0, "sim-nb-wjw", "http_503", "plan", ""),
    (0, "sim-gzh-wjw", "redirect_chain", "plan", ""),
    (0, "sim-xj-wjw", "redirect_loop", "plan", ""),
    (0, "sim-yc-wjw", "spam_footer", "site", ""),
    (0, "sim-sn-sxwjw", "truncated_body", "plan", ""),
    (0, "sim-cd-wjw", "oversize_page", "doc", ""),
    (0, "sim-tj-wsjk", "gzip_bomb", "plan", ""),
    (0, "sim-wz-wjw", "slow_body", "plan", ""),
    (0, "sim-jz-wjw", "tracking_params", "site", ""),
    (1, "sim-nhc", "blocked_by_waf", "site", "ruishu_412"),
    (1, "sim-zy-wjw", "http_503", "plan", ""),
    (1, "sim-ln-wsjk", "http_500", "plan", ""),
    (1, "sim-yc-wjw", "spam_footer", "site", ""),
    (1, "sim-hlj-wsjkw", "tracking_params", "site", ""),
    (1, "sim-su-wjw", "redirect_chain", "plan", ""),
    (1, "sim-ns-wjj", "http_404", "plan", ""),
    (2, "sim-hf-wjw", "blocked_by_waf", "site", "jiasule_521"),
    (2, "sim-zh-wjj", "timeout", "plan", ""),
    (2, "sim-jx-hc", "truncated_body", "plan", ""),
    (2, "sim-gd-wsjkw", "gzip_bomb", "doc", ""),
    (2, "sim-wh-wjw", "redirect_loop", "plan", ""),
    (2, "sim-yc-wjw", "spam_footer", "site", ""),
    (3, "sim-sh-wsjkw", "timeout", "plan", ""),
    (3, "sim-xz-wjw", "oversize_page", "plan", ""),
    (3, "sim-nhc", "blocked_by_waf", "site", "ruishu_412"),
    (3, "sim-pc-wjj", "slow_body", "plan", ""),
)

# Real 503s ask for minutes; ours asks for seconds, so that a crawler honouring it keeps tests and the demo quick.
RETRY_AFTER_SECONDS = int(os.environ.get("SIMWEB_RETRY_AFTER_SECONDS", "10"))
OVERSIZE_BYTES = 4 * 1024 * 1024
BOMB_BYTES = 64 * 1024 * 1024  # what the gzip bomb inflates to (it is about 64 KB on the wire)
SPAM = ('<div class="footer-ad">版权所有：<a href="http://365zq-waiwei.example/">365足球外围网站</a> '
        '<a href="http://amxpj.example/">澳门新葡京</a> <a href="http://bet-365.example/">bet365体育在线投注</a> '
        '<a href="http://dzyl.example/">真人电子游戏</a></div>')
TRACKING = ("?utm_source=wechat&utm_medium=share", "?utm_source=weibo&utm_medium=social&utm_campaign=zwgk")


@dataclass(frozen=True)
class Fault:
    """One fault served on one day: at a path of a site ("" for the whole site)."""

    day: int
    site_id: str
    fault: str
    path: str = ""
    detail: str = ""


def schedule(world: World, rng: random.Random) -> tuple[Fault, ...]:
    """Resolve the schedule against the world: pick the documents that misbehave."""
    faults: list[Fault] = []
    taken: set[str] = set()
    for day, site_id, name, what, detail in SCHEDULE:
        if what == "site":
            faults.append(Fault(day, site_id, name, "", detail))
            continue
        candidates = [d for d in world.documents_on(day, site_id)
                      if d.is_plan == (what == "plan") and d.first_day == 0 and d.removed is None and not d.attachment
                      and not d.group and len(d.revisions) == 1 and d.path not in taken]
        doc = rng.choice(candidates)
        taken.add(doc.path)
        faults.append(Fault(day, site_id, name, doc.path, detail))
    return tuple(faults)


def jsl_token(site: Site, day: int) -> str:
    """The clearance cookie value the 加速乐 challenge page computes."""
    return hashlib.sha1(f"jsl:{site.id}:{day}".encode()).hexdigest()


def site_faults(world: World, site_id: str, day: int) -> list[Fault]:
    """The faults scheduled for a site that day (not counting robots, removals and the calendar trap)."""
    return [f for f in world.faults if f.site_id == site_id and f.day == day]


def waf_of(world: World, site: Site, day: int) -> Fault | None:
    """The WAF guarding the whole site that day, if any."""
    return next((f for f in site_faults(world, site.id, day) if f.fault == "blocked_by_waf"), None)


def waf_response(site: Site, day: int, fault: Fault, cookies: str) -> Response | None:
    """The challenge page, unless the request carries the clearance cookie (加速乐 only)."""
    if fault.detail == "jiasule_521":
        token = jsl_token(site, day)
        if f"__jsl_clearance_s={token}" in cookies:
            return None
        pieces = "+".join(f"('{token[i:i + 4]}')" for i in range(0, len(token), 4))
        body = (f"<html><script>document.cookie=('__jsl_clearance_s=')+{pieces}+(';max-age=3600;path=/');"
                "location.href=location.pathname+location.search</script></html>")
        return Response(521, body.encode("ascii"), "text/html",
                        headers=(("Set-Cookie", f"__jsluid_s={token[:32]}; max-age=31536000; path=/; HttpOnly"),))
    seed = hashlib.sha1(f"rs:{site.id}:{day}".encode()).hexdigest()
    body = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f'<meta id="9DhefwqGPrzGxEp9hPaoag" content="{seed * 3}" r="m">'
            f'<script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)$_ts=window[\'$_ts\']={{}};$_ts.nsd=51234;$_ts.cd="{seed}qqqArpAxsGEa";</script>'
            '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js" r="m"></script>'
            "</head><body></body></html>")
    return Response(412, body.encode("utf-8"), "text/html; charset=utf-8",
                    headers=(("Set-Cookie", f"FSSBBIl1UgzbN7NO={seed[:40]}; Path=/; expires=Fri, 01 Jan 2100 00:00:00 GMT; HttpOnly"),))


def error_page(site: Site, status: int, reason: str) -> Response:
    """The nginx error page a crashed or overloaded backend leaves."""
    body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    headers = (("Retry-After", str(RETRY_AFTER_SECONDS)),) if status == 503 else ()
    return Response(status, body.encode("ascii"), "text/html", headers=headers)


def redirect(location: str, status: int = 302) -> Response:
    """A redirect to a path on the same site."""
    return Response(status, b"", "text/html", headers=(("Location", location),))


def before(world: World, site: Site, day: int, path: str, query: str, cookies: str) -> Response | None:
    """A faulty answer that replaces the page entirely, or None to serve the page (perhaps misbehaving later)."""
    if path == "/robots.txt":
        return None
    waf = waf_of(world, site, day)
    if waf:
        blocked = waf_response(site, day, waf, cookies)
        if blocked:
            return blocked
    if path == "/redirect.jsp":
        params = parse_qs(query)
        hop, url = params.get("hop", ["0"])[0], params.get("url", ["/"])[0]
        if hop == "1":
            return redirect(f"/redirect.jsp?hop=2&url={quote(url, safe='/')}")
        return redirect(f"{url}?from=redirect", 301)
    for fault in site_faults(world, site.id, day):
        if fault.path != path:
            continue
        if fault.fault == "http_404":
            from simweb.pages import not_found
            return not_found(site)
        if fault.fault == "http_500":
            return error_page(site, 500, "Internal Server Error")
        if fault.fault == "http_503":
            return error_page(site, 503, "Service Temporarily Unavailable")
        if fault.fault == "redirect_chain" and "from=redirect" not in query:
            return redirect(f"/redirect.jsp?hop=1&url={quote(path, safe='/')}")
        if fault.fault == "redirect_loop":
            return redirect(path if "loop=1" in query else f"{path}?loop=1")
    return None


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """A small gzip stream that inflates to BOMB_BYTES of zeros."""
    return gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9, mtime=0)


@lru_cache(maxsize=1)
def _oversize_block() -> bytes:
    import base64

    data = random.Random("oversize").randbytes(OVERSIZE_BYTES * 3 // 4)
    return b'<div class="banner"><img alt="" src="data:image/png;base64,' + base64.b64encode(data) + b'"></div>\n'


def _insert_before_body_end(body: bytes, block: bytes) -> bytes:
    at = body.rfind(b"</body>")
    return body[:at] + block + body[at:] if at >= 0 else body + block


def after(world: World, site: Site, day: int, path: str, response: Response) -> Response:
    """Spoil a page that is served: spam in the footer, tracking links, oversize, gzip bomb, slow or cut bodies."""
    from dataclasses import replace

    if response.status != 200 or path == "/robots.txt":
        return response
    html = response.content_type.startswith("text/html") and response.body.lstrip()[:1] == b"<"
    for fault in site_faults(world, site.id, day):
        if fault.path == "" and fault.fault == "spam_footer" and html:
            response = replace(response, body=_insert_before_body_end(response.body, SPAM.encode(site.body_encoding)))
        elif fault.path == "" and fault.fault == "tracking_params" and html and world.document_at(site.id, path) is None:
            response = replace(response, body=_insert_before_body_end(response.body, tracking_box(world, site, day).encode(site.body_encoding)))
        elif fault.path != path:
            continue
        elif fault.fault == "oversize_page":
            response = replace(response, body=_insert_before_body_end(response.body, _oversize_block()))
        elif fault.fault == "gzip_bomb":
            response = replace(response, body=gzip_bomb(), headers=response.headers + (("Content-Encoding", "gzip"),))
        elif fault.fault in ("timeout", "slow_body", "truncated_body"):
            response = replace(response, behaviour=fault.fault)
    return response


def tracking_targets(world: World, site: Site, day: int) -> list[str]:
    """The tracking-parameter variants of the newest documents that a site's pages link that day."""
    return [doc.path + TRACKING[n % 2] for n, doc in enumerate(world.documents_on(day, site.id)[:3])]


def tracking_box(world: World, site: Site, day: int) -> str:
    """A 热点信息 box linking the newest documents through share links."""
    docs = world.documents_on(day, site.id)[:3]
    links = "".join(f'<li><a href="{esc(target)}">{esc(doc.title)}</a></li>' for doc, target in zip(docs, tracking_targets(world, site, day)))
    return f'<div class="hot"><h4>热点信息</h4><ul>{links}</ul></div>\n'


def served(world: World, day: int) -> list[tuple[Site, str, str, str]]:
    """Every fault served that day as (site, path, fault, detail), robots fences, removals and calendar traps included."""
    out = []
    sites = {site.id: site for site in world.sites}
    from simweb.families import family_of

    for site in world.sites:
        family = family_of(site)
        for column in site.columns:
            if column.robots_disallowed:
                out.append((site, family.list_url(column, 0, site), "robots_disallowed", ""))
        if site.shape == "portal":
            out.append((site, f"/calendar/{world.date_of(day):%Y-%m}.html", "spider_trap", ""))
    for fault in world.faults:
        if fault.day != day:
            continue
        site = sites[fault.site_id]
        if fault.fault == "tracking_params":
            out += [(site, target, fault.fault, "") for target in tracking_targets(world, site, day)]
        else:
            out.append((site, fault.path or "/", fault.fault, fault.detail))
    for doc in world.documents:
        if doc.removed and doc.removed_on(day) and day >= doc.first_day:
            out.append((sites[doc.site_id], doc.path, "deleted", doc.removed[1]))
        elif doc.exists_on(day) and not doc.listed_on(day):
            out.append((sites[doc.site_id], doc.path, "delisted", ""))
    return out


def removed_response(world: World, site: Site, day: int, path: str) -> Response | None:
    """A taken-down document: 404, 410, or a 200 page saying it was deleted (simweb.removals)."""
    doc = world.document_at(site.id, path)
    if doc is None or not doc.removed_on(day):
        return None
    from simweb.removals import removed_response as answer
    return answer(site, doc)

