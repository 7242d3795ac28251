"""`wjw sites check`: does each registry site answer, and do its list parsers find documents?

The check is a crawl of the lists only, in one `python -m spiders.check`
child (archive/ never imports Scrapy): the column spider with the crawl's
robots.txt, redirect policy, retries, User-Agent and failure names reads
each column's first list page, the list a shell page names, and one step
past the first page that lists (the next page the pager names, or the data
a shell page's script loads). It reports per site: reachable, items found,
newest date, blocked and by what, redirected, and says when a column yields
nothing past page 1, with the likely cause and what to try: a row that loses
every page after the first is not "ok". Without network it says so in one line.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.records import ColumnCheck, Site, SiteCheckJob

DEFAULT_TIMEOUT_S = 10.0
# Hosts resolved before anything is fetched: if none of them resolves, the machine has no network.
PROBE_HOSTS = 5
# The whole check's crawl; a site that answers nothing gives up after its timeouts and retries long before.
CHECK_TIMEOUT_S = 3600

Resolver = Callable[[str], object]


class NoNetwork(RuntimeError):
    """No site host could be resolved or reached: the check cannot say anything about the sites."""


class CheckFailed(RuntimeError):
    """The check's crawl child died before writing its results: one line with the end of what it said."""


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
            "render": self.render, "problem": self.problem,
            "columns": [c.to_dict() | {"redirected": c.redirected} for c in self.columns],
        }


def check_sites(
    sites: Iterable[Site], timeout: float = DEFAULT_TIMEOUT_S, workers: int = 8,
    resolver: Resolver | None = None, progress: Callable[[str], None] = lambda _: None,
) -> list[SiteCheck]:
    """Check every site's lists with the crawl; raise NoNetwork when no site host resolves at all."""
    sites = list(sites)
    probe_network(sites, resolver or _resolve, timeout)
    if not sites:
        return []
    found: dict[str, list[ColumnCheck]] = {}
    for check in _crawl_lists(SiteCheckJob(tuple(sites), "", timeout=timeout, workers=workers), progress):
        found.setdefault(check.site_id, []).append(check)
    return [site_check(site, found.get(site.id, [])) for site in sites]


def site_check(site: Site, columns: list[ColumnCheck]) -> SiteCheck:
    """A site's verdict from its columns' checks, each with the hint that says what to try."""
    columns = [replace(c, hint=column_hint(c, site)) for c in columns]
    problems = {c.problem for c in columns}
    site_problem = problems.pop() if len(problems) == 1 and not any(c.status for c in columns) else None
    return SiteCheck(site.id, tuple(columns), render=site.render, problem=site_problem)


def _crawl_lists(job: SiteCheckJob, progress: Callable[[str], None]) -> list[ColumnCheck]:
    """Run the check's crawl child; pass on each site it finishes; read back its column checks."""
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory(prefix="wjw-check-") as tmp:
        job_path, result, log = Path(tmp) / "job.json", Path(tmp) / "checks.json", Path(tmp) / "crawl.log"
        job_path.write_text(json.dumps(replace(job, result_path=str(result)).to_dict(), ensure_ascii=False),
                            encoding="utf-8")
        with log.open("w", encoding="utf-8") as stderr:
            child = subprocess.Popen([sys.executable, "-m", "spiders.check", str(job_path)], cwd=root,
                                     stdout=subprocess.PIPE, stderr=stderr, text=True)
            for line in child.stdout or ():  # one line per site as its crawl ends
                progress(line.strip())
            code = child.wait(timeout=CHECK_TIMEOUT_S)
        if code != 0 or not result.exists():
            tail = " ".join(log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:])[-300:]
            raise CheckFailed(f"the check's crawl (python -m spiders.check) failed with exit code {code}: {tail}")
        return [ColumnCheck.from_dict(c) for c in json.loads(result.read_text(encoding="utf-8"))]


def column_hint(check: ColumnCheck, site: Site) -> str | None:
    """Why a column yields nothing (past page 1, or at all), with the likely cause and the family or option to try."""
    if check.stalls:
        why = (f"answered {check.next_problem}" if check.next_problem
               else "repeats page 1" if check.next_listed else "lists nothing")
        return (f"page 2 ({check.next_url}) {why}: the pager is not what cms {site.cms!r} follows; "
                "a pager that posts a form or counts differently: try cms 'generic' (or 'trs' for createPageHTML pages)")
    if check.items or check.problem or check.blocked or check.status != 200:
        return None
    if check.shell:
        return ("the page is a shell whose frame or script loads the list, and that yielded nothing: declare the "
                "column's list_data (its data URL with {page} and the field paths; README, 'Lists a script loads')")
    if check.script_fetches:
        return ("no list on the page, and its script fetches data: declare the column's list_data "
                "(README, 'Lists a script loads'), or crawl with --render")
    return f"no list found on the page by cms {site.cms!r}: check the column URL, or try cms 'generic'"


# How the summary line names each verdict but ok, in the order it lists them.
VERDICT_WORDS = (
    ("blocked", "blocked"),
    ("partial", "partly listing (a column's pager or script-loaded list yields nothing)"),
    ("empty", "answering but listing nothing"),
    ("broken", "broken (HTTP errors)"),
    ("disallowed", "closed to crawlers by robots.txt"),
    ("unreachable", "unreachable"),
)


def summary_line(checks: list[SiteCheck]) -> str:
    """One line for the whole check: how many sites work, and what stops the rest."""
    verdicts = Counter(c.verdict for c in checks)
    causes = {"blocked": Counter(c.blocked for c in checks if c.blocked),
              "unreachable": Counter((c.problem or "error").split(":")[0] for c in checks if c.verdict == "unreachable")}
    parts = [f"{len(checks)} sites: {verdicts['ok']} ok"]
    for verdict, words in VERDICT_WORDS:
        if verdicts[verdict]:
            cause = f" ({_counts(causes[verdict])})" if verdict in causes else ""
            parts.append(f"{verdicts[verdict]} {words}{cause}")
    redirected = sum(c.redirected for c in checks)
    return ", ".join(parts) + (f"; {redirected} redirected" if redirected else "")


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
