"""Progress of a run: sites done of total, documents new and changed, errors and phase.

On a terminal, one live line with an ETA averaged over the whole run (a
short window swings with every fast or slow site); anywhere else (a pipe,
a log file, cron) one line per site as it finishes, so a seven-minute run
is never seven silent minutes. The pipeline reports in `"<site>: <what>"`
messages; this module only reads them.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

_INGESTED = re.compile(r"(?P<new>\d+) new, (?P<changed>\d+) changed(?:, (?P<errors>\d+) errors?)?")


@dataclass
class RunProgress:
    """What a run has done so far; `interrupted()` says it when Ctrl-C ends the run."""

    total: int
    crawled: set[str] = field(default_factory=set)
    archived: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    new: int = 0
    changed: int = 0
    errors: int = 0
    started: float = field(default_factory=time.monotonic)

    def note(self, message: str) -> str:
        """Take one pipeline message; return the line to show for it."""
        site, _, what = message.partition(": ")
        if what == "crawled":
            self.crawled.add(site)
        elif what.startswith("crawl failed"):
            self.crawled.add(site)
            self.failed.add(site)
        elif match := _INGESTED.fullmatch(what):
            self.archived.add(site)
            self.new += int(match["new"])
            self.changed += int(match["changed"])
            self.errors += int(match["errors"] or 0)
        return message

    @property
    def phase(self) -> str:
        """crawling while sites are still being fetched, then archiving."""
        return "crawling" if len(self.crawled) < self.total else "archiving"

    def line(self) -> str:
        """The state in a few words."""
        return (f"{self.phase}: {len(self.crawled)}/{self.total} crawled, {len(self.archived)} archived, "
                f"{self.new} new, {self.changed} changed, {self.errors} errors"
                + (f", {len(self.failed)} failed" if self.failed else ""))

    def interrupted(self) -> str:
        """What Ctrl-C leaves behind, and what to do about it."""
        return (f"interrupted after {len(self.archived)} of {self.total} sites were archived "
                f"({self.new} new, {self.changed} changed documents are stored); every step of a run is "
                "idempotent, so running the same command again finishes the job")


CURRENT: list[RunProgress] = []  # the run in progress, for the Ctrl-C message


class ProgressDisplay:
    """A RunProgress shown live on a terminal, or line by line elsewhere; use as a context manager."""

    def __init__(self, total: int, console: Console, steps_per_site: int = 2) -> None:
        self.state = RunProgress(total)
        self.console = console
        self.steps_per_site = steps_per_site
        self.live = console.is_terminal and sys.stderr.isatty()
        self._bar: Progress | None = None

    def __enter__(self) -> ProgressDisplay:
        CURRENT[:] = [self.state]
        if self.live:
            # An ETA over the whole run's speed: per-site times vary tenfold, a 30 s window swings with them.
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                 TimeRemainingColumn(), console=self.console, transient=True,
                                 speed_estimate_period=24 * 3600)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.state.line(), total=self.steps_per_site * self.state.total)
        return self

    def __call__(self, message: str) -> None:
        """The pipeline's progress callback."""
        line = self.state.note(message)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self.state.line())
        else:
            done = len(self.state.archived) if self.state.phase == "archiving" else len(self.state.crawled)
            print(f"[{done}/{self.state.total} {self.state.phase}] {line}", file=sys.stderr, flush=True)

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)
        if exc_info[0] is None:
            CURRENT.clear()
