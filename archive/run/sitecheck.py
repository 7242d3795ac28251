"""`wjw sites check`: does each registry site answer, and do its list parsers find documents?

For every column the check fetches the first list page the way the crawler
would (robots.txt first, the project's honest User-Agent, one request at a
time per site, short timeouts), hands the pages to the CMS families' list
parsers in one `python -m spiders.check` child (archive/ never imports
Scrapy), and reports per site: reachable, items found, newest date, blocked
and by what, redirected, TLS trouble. It then walks one step past page 1
(the next page the pager names, or the data a shell page's script loads) and
says when that yields nothing, with the likely cause and what to try: a row
that loses every page after the first is not "ok". Without network it says so
in one line.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from archive.config import user_agent
from archive.extract.blocking import blocked_reason
from archive.records import Column, Site

DEFAULT_TIMEOUT_S = 10.0
MAX_BODY = 4 * 1024 * 1024
# Hosts resolved before anything is fetched: if none of them resolves, the machine has no network.
PROBE_HOSTS = 5
PARSE_TIMEOUT_S = 300

Resolver = Callable[[str], object]


class NoNetwork(RuntimeError):
    """No site host could be resolved or reached: the check cannot say anything about the sites."""


@dataclass(frozen=True)
class ColumnCheck:
    """What the first list page of one column gave."""

    column: str
    url: str
    status: int | None = None
    final_url: str | None = None
    items: int = 0
    newest: str | None = None
    blocked: str | None = None
    tls_error: str | None = None
    problem: str | None = None  # why no list was read: dns, timeout, http_404, robots_disallowed, ...
    next_url: str | None = None  # the page after the first, as the pager or script names it
    next_items: int | None = None  # new entries that page listed; None when there was none to ask for
    hint: str | None = None  # why a column yields nothing past page 1 (or at all), and what to try

    @property
    def redirected(self) -> bool:
        """True when the list page answered from another URL."""
        return bool(self.final_url) and self.final_url != self.url

    @property
    def stalls(self) -> bool:
        """True when page 1 lists documents but the page after it, which the pager names, lists none."""
        return self.items > 0 and self.next_items == 0

    @property
    def lists_nothing(self) -> bool:
        """True when the column's page answered but no list was found on it or behind it."""
        return self.status == 200 and not self.items and not self.blocked and not self.problem


@dataclass(frozen=True)
class SiteCheck:
    """One site's verdict: reachable, items found, newest date, and what stood in the way."""

    site_id: str
    columns: tuple[ColumnCheck, ...] = ()
    render: bool = False
    problem: str | None = None  # a site-wide failure (its host does not resolve, ...)

    @property
    def reachable(self) -> bool:
        """True when some column answered over HTTP (even with a challenge or an error status)."""
        return any(c.status is not None for c in self.columns)

    @property
    def items(self) -> int:
        """Document links found on the first list pages of all columns."""
        return sum(c.items for c in self.columns)

    @property
    def newest(self) -> str | None:
        """The newest date any first list page shows."""
        dates = [c.newest for c in self.columns if c.newest]
        return max(dates) if dates else None

    @property
    def blocked(self) -> str | None:
        """The anti-bot page that answered (412_js_challenge, 521_jiasule, captcha, ...), if any column got one."""
        return next((c.blocked for c in self.columns if c.blocked), None)

    @property
    def redirected(self) -> bool:
        """True when some list page answered from another URL."""
        return any(c.redirected for c in self.columns)

    @property
    def tls_error(self) -> str | None:
        """The first TLS failure seen (an expired or self-signed certificate, ...)."""
        return next((c.tls_error for c in self.columns if c.tls_error), None)

    @property
    def ok(self) -> bool:
        """Reachable, not blocked, and some list shows documents (`verdict` says whether past page 1 too)."""
        return self.reachable and not self.blocked and self.items > 0

    @property
    def verdict(self) -> str:
        """One word: ok, blocked, partial (a column lists page 1 only, or nothing), empty (lists nothing), broken (HTTP errors),
        disallowed (robots.txt), unreachable."""
        if self.blocked:
            return "blocked"
        if self.ok:
            return "partial" if any(c.stalls or c.lists_nothing for c in self.columns) else "ok"
        if self.columns and all(c.problem == "robots_disallowed" for c in self.columns):
            return "disallowed"  # the site answers, but its robots.txt keeps us off every column
        if not self.reachable:
            return "unreachable"
        if any(c.status == 200 for c in self.columns):
            return "empty"
        return "broken"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json` and Airflow."""
        return {
            "site_id": self.site_id, "verdict": self.verdict, "reachable": self.reachable, "items": self.items,
            "newest": self.newest, "blocked": self.blocked, "redirected": self.redirected,
            "tls_error": self.tls_error, "render": self.render, "problem": self.problem,
            "columns": [c.__dict__ | {"redirected": c.redirected} for c in self.columns],
        }


@dataclass
class _Fetched:
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    tls_error: str | None = None
    problem: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # what the parser must know of the request (list_data)


def check_sites(
    sites: Iterable[Site], timeout: float = DEFAULT_TIMEOUT_S, workers: int = 8,
    resolver: Resolver | None = None, progress: Callable[[str], None] = lambda _: None,
) -> list[SiteCheck]:
    """Check every site's first list pages; raise NoNetwork when no site host resolves at all."""
    sites = list(sites)
    resolve = resolver or _resolve
    probe_network(sites, resolve, timeout)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        fetched = list(pool.map(lambda site: _fetch_site(site, timeout, resolve, progress), sites))
    pages = [(i, j, site, f) for i, (site, cols) in enumerate(zip(sites, fetched)) for j, f in enumerate(cols)
             if f.status is not None and 200 <= f.status < 300 and not f.problem and not _blocked(f)]
    parsed = _parse([(site.cms, f) for _, _, site, f in pages])
    results = {(i, j): result for (i, j, _, _), result in zip(pages, parsed)}
    # A column page that only points at its list (jpaas's API, a frame, the data a script loads) is read one hop further.
    hop = {(i, j): (site, result["next"][0]) for (i, j, site, _), result in zip(pages, parsed)
           if not result["entries"] and result.get("next")}
    shells = set(hop)
    results |= _follow(hop, timeout)
    # One step past page 1: the page the pager names must list documents too.
    step = {key: (site, result["next"][0]) for key, result in results.items()
            if result["entries"] and result.get("next") for site in [sites[key[0]]]}
    further = _follow(step, timeout)
    checks = []
    for i, (site, cols) in enumerate(zip(sites, fetched)):
        columns = []
        for j, (column, f) in enumerate(zip(site.columns, cols)):
            result = results.get((i, j), {})
            after = further.get((i, j))
            next_items = None if after is None else len(set(after.get("urls", [])) - set(result.get("urls", [])))
            check = ColumnCheck(
                column=column.name, url=first_list_url(column), status=f.status, final_url=f.final_url,
                items=result.get("entries", 0), newest=result.get("newest"), blocked=_blocked(f),
                tls_error=f.tls_error, problem=f.problem or result.get("error"),
                next_url=step[(i, j)][1]["url"] if (i, j) in step else None, next_items=next_items,
            )
            columns.append(replace(check, hint=column_hint(check, site, after, (i, j) in shells, f)))
        problems = {c.problem for c in columns}
        site_problem = problems.pop() if len(problems) == 1 and not any(c.status for c in columns) else None
        checks.append(SiteCheck(site.id, tuple(columns), render=site.render, problem=site_problem))
    return checks


def _follow(requests: dict, timeout: float) -> dict:
    """Fetch each column's next request (GET or a form's POST) and parse it with what the parser must know."""
    fetched = {key: (site, _fetch(spec["url"], timeout, site.download_delay, spec["method"],
                                  base64.b64decode(spec["body"]) or None, spec.get("content_type")), spec)
               for key, (site, spec) in requests.items()}
    ok = [(key, site, replace(f, meta=spec["meta"])) for key, (site, f, spec) in fetched.items()
          if f.status == 200 and not f.problem]
    parsed = _parse([(site.cms, f) for _, site, f in ok])
    out = {key: result for (key, _, _), result in zip(ok, parsed)}
    for key, (_, f, _) in fetched.items():
        if key not in out:
            out[key] = {"entries": 0, "urls": [], "next": [], "error": f.problem or f"http_{f.status}"}
    return out


def column_hint(check: ColumnCheck, site: Site, after: dict | None, shell: bool, first: _Fetched) -> str | None:
    """Why a column yields nothing (past page 1, or at all), with the likely cause and the family or option to try."""
    if check.stalls:
        error = (after or {}).get("error")
        why = f"answered {error}" if error else "repeats page 1" if (after or {}).get("entries") else "lists nothing"
        return (f"page 2 ({check.next_url}) {why}: the pager is not what cms {site.cms!r} follows; "
                "a pager that posts a form or counts differently: try cms 'generic' (or 'trs' for createPageHTML pages)")
    if check.items or check.problem or check.blocked or check.status != 200:
        return None
    if shell:
        return ("the page is a shell whose frame or script loads the list, and that yielded nothing: declare the "
                "column's list_data (its data URL with {page} and the field paths; README, 'Lists a script loads')")
    if b"<script" in first.body.lower() and any(word in first.body for word in (b"ajax", b"getJSON", b"fetch(", b"callback")):
        return ("no list on the page, and its script fetches data: declare the column's list_data "
                "(README, 'Lists a script loads'), or crawl with --render")
    return f"no list found on the page by cms {site.cms!r}: check the column URL, or try cms 'generic'"


def summary_line(checks: list[SiteCheck]) -> str:
    """One line for the whole check: how many sites work, and what stops the rest."""
    verdicts = Counter(c.verdict for c in checks)
    blocked = Counter(c.blocked for c in checks if c.blocked)
    unreachable = Counter((c.problem or "error").split(":")[0] for c in checks if c.verdict == "unreachable")
    parts = [f"{len(checks)} sites: {verdicts['ok']} ok"]
    if verdicts["blocked"]:
        parts.append(f"{verdicts['blocked']} blocked ({_counts(blocked)})")
    if verdicts["partial"]:
        parts.append(f"{verdicts['partial']} partly listing (a column's pager or script-loaded list yields nothing)")
    if verdicts["empty"]:
        parts.append(f"{verdicts['empty']} answering but listing nothing")
    if verdicts["broken"]:
        parts.append(f"{verdicts['broken']} broken (HTTP errors)")
    if verdicts["disallowed"]:
        parts.append(f"{verdicts['disallowed']} closed to crawlers by robots.txt")
    if verdicts["unreachable"]:
        parts.append(f"{verdicts['unreachable']} unreachable ({_counts(unreachable)})")
    extras = [f"{n} {what}" for what, n in (("redirected", sum(c.redirected for c in checks)),
                                             ("with TLS trouble", sum(bool(c.tls_error) for c in checks))) if n]
    return ", ".join(parts) + (f"; {', '.join(extras)}" if extras else "")


def site_line(check: SiteCheck) -> str:
    """One line per site: verdict, items, newest date and what went wrong."""
    detail = [f"{check.items} items"]
    if check.newest:
        detail.append(f"newest {check.newest}")
    if check.blocked:
        hint = " (row says render: `wjw run --render` crawls it in Chromium)" if check.render else ""
        detail.append(f"blocked: {check.blocked}{hint}")
    if check.redirected:
        moved = next(c.final_url for c in check.columns if c.redirected)
        detail.append(f"redirected to {moved}")
    if check.tls_error:
        detail.append(f"TLS: {check.tls_error}")
    troubles = Counter(c.problem for c in check.columns if c.problem and not c.blocked)
    if troubles:
        detail.append(_counts(troubles))
    detail += [f"{c.column}: {c.hint}" for c in check.columns if c.hint]
    return f"{check.site_id:<18} {check.verdict:<11} " + ", ".join(detail)


def _counts(counter: Counter) -> str:
    return ", ".join(f"{name} {n}" for name, n in counter.most_common())


# ---------------------------------------------------------------- network


def _resolve(host: str) -> object:
    return socket.getaddrinfo(host, None)


def probe_network(sites: list[Site], resolve: Resolver | None = None, timeout: float = 5.0,
                  command: str = "wjw sites check") -> None:
    """Resolve the first few distinct hosts at once; if none resolves, say so instead of failing every site."""
    resolve = resolve or _resolve
    hosts: list[str] = []
    for site in sites:
        for url in [site.base_url, *(c.url for c in site.columns)]:
            host = urlsplit(url).hostname
            if host and host not in hosts:
                hosts.append(host)
        if len(hosts) >= PROBE_HOSTS:
            break
    if not hosts:
        return
    pool = ThreadPoolExecutor(max_workers=len(hosts[:PROBE_HOSTS]))
    futures = [pool.submit(resolve, host) for host in hosts[:PROBE_HOSTS]]
    done, _ = wait(futures, timeout=timeout)
    pool.shutdown(wait=False, cancel_futures=True)  # a resolver stuck past the timeout is left behind
    if not any(f.exception() is None for f in done):
        tried = ", ".join(hosts[:PROBE_HOSTS])
        raise NoNetwork(f"no network: could not resolve any site host ({tried}); "
                        f"run `{command}` where the sites are reachable")


def _fetch_site(site: Site, timeout: float, resolve: Resolver, progress: Callable[[str], None]) -> list[_Fetched]:
    """The first list page of every column, one request at a time, after robots.txt."""
    results: list[_Fetched] = []
    robots: dict[str, urllib.robotparser.RobotFileParser | _Fetched] = {}
    for column in site.columns:
        parts = urlsplit(column.url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in robots:
            try:
                resolve(parts.hostname or "")
            except OSError as exc:
                robots[origin] = _Fetched(problem=f"dns: {parts.hostname} does not resolve ({_reason(exc)})")
            else:
                robots[origin] = _robots(origin, timeout, site.download_delay)
        rules = robots[origin]
        if isinstance(rules, _Fetched):  # the host itself failed: every column on it shares the failure
            results.append(replace(rules))
            continue
        if not rules.can_fetch(user_agent(), column.url):
            results.append(_Fetched(problem="robots_disallowed"))
            continue
        fetched = _fetch(first_list_url(column), timeout, site.download_delay)
        if column.list_data is not None:  # as the crawl does: the declared data, not the shell page
            fetched.meta = {"wjw_list_data": dataclasses.asdict(column.list_data),
                            "wjw_data_page": column.list_data.first_page}
        results.append(fetched)
    progress(f"{site.id}: checked")
    return results


def first_list_url(column: Column) -> str:
    """Where a column's list starts: its page, or the first page of the data its registry row declares."""
    if column.list_data is None:
        return column.url
    return column.list_data.url.replace("{page}", str(column.list_data.first_page))


def _robots(origin: str, timeout: float, delay: float) -> urllib.robotparser.RobotFileParser | _Fetched:
    """The origin's robots.txt rules; a missing or unreadable file allows everything, as Scrapy does."""
    rules = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
    fetched = _fetch(origin + "/robots.txt", timeout, delay)
    if fetched.status is None and fetched.problem and not fetched.tls_error:
        return fetched  # the host does not answer at all
    if fetched.status == 200 and not _blocked(fetched):
        rules.parse(fetched.body.decode("utf-8", "replace").splitlines())
    else:
        rules.parse([])
    return rules


def _fetch(url: str, timeout: float, delay: float, method: str = "GET", data: bytes | None = None,
           content_type: str | None = None, verify: bool = True) -> _Fetched:
    """GET (or POST a pager's form to) one URL politely; never raises, every failure is named."""
    time.sleep(max(0.0, delay))
    context = ssl.create_default_context() if verify else ssl._create_unverified_context()  # noqa: S323
    # urllib follows redirects (and refuses loops); the final URL tells whether there were any.
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
    headers = {"User-Agent": user_agent(), "Accept": "text/html,*/*"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with opener.open(request, timeout=timeout) as response:
            return _Fetched(status=response.status, final_url=response.geturl(), headers=dict(response.headers),
                            body=response.read(MAX_BODY))
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            return _Fetched(problem=f"redirect_loop ({exc.code} from {exc.geturl()})")
        body = exc.read(MAX_BODY) if exc.fp else b""
        return _Fetched(status=exc.code, final_url=exc.geturl(), headers=dict(exc.headers or {}), body=body,
                        problem=None if blocked_reason(exc.code, body) else f"http_{exc.code}")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLError) and verify:
            # Scrapy does not verify certificates, so the crawl may still work: report it and look anyway.
            retry = _fetch(url, timeout, 0, method, data, content_type, verify=False)
            retry.tls_error = _reason(reason)
            return retry
        if isinstance(reason, socket.gaierror):
            return _Fetched(problem=f"dns: {urlsplit(url).hostname} does not resolve")
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return _Fetched(problem="timeout")
        if isinstance(reason, ConnectionRefusedError):
            return _Fetched(problem="connection_refused")
        return _Fetched(problem=f"error: {_reason(reason)}")
    except (TimeoutError, socket.timeout):
        return _Fetched(problem="timeout")
    except (ConnectionError, OSError, ValueError) as exc:  # resets, truncated replies, malformed URLs
        return _Fetched(problem=f"error: {_reason(exc)}")


def _blocked(fetched: _Fetched) -> str | None:
    if fetched.status is None:
        return None
    return blocked_reason(fetched.status, fetched.body)


def _reason(exc: object) -> str:
    text = str(getattr(exc, "reason", None) or exc) or type(exc).__name__
    return text[:120]


# ---------------------------------------------------------------- parsing


def _parse(pages: list[tuple[str, _Fetched]]) -> list[dict[str, Any]]:
    """Run the families' list parsers over fetched pages in one Scrapy child process."""
    if not pages:
        return []
    batch = [{"cms": cms, "url": f.final_url, "status": f.status, "meta": f.meta,
              "headers": {k: v for k, v in f.headers.items() if k.lower() == "content-type"},
              "body": base64.b64encode(f.body).decode("ascii")} for cms, f in pages]
    with tempfile.TemporaryDirectory(prefix="wjw-check-") as tmp:
        source, out = Path(tmp) / "pages.json", Path(tmp) / "parsed.json"
        source.write_text(json.dumps(batch), encoding="utf-8")
        root = Path(__file__).resolve().parents[2]
        proc = subprocess.run([sys.executable, "-m", "spiders.check", str(source), str(out)], cwd=root,
                              capture_output=True, text=True, timeout=PARSE_TIMEOUT_S, check=False)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr or proc.stdout)[-300:].strip()
            return [{"entries": 0, "newest": None, "next_urls": [], "error": f"parser process failed: {tail}"}
                    for _ in pages]
        return json.loads(out.read_text(encoding="utf-8"))
