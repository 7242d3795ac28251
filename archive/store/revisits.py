"""When a known document is revisited: an adaptive schedule kept in nights, spread evenly over them.

The idea is StormCrawler's AdaptiveScheduler: a page found unchanged is
revisited less and less often, a changed one soon again. Here a document's
interval doubles (up to MAX_INTERVAL nights) each time a revisit finds it
unchanged and falls back to MIN_INTERVAL when it changed, so a night with
nothing new costs little more than its list pages while a change is still
found within MAX_INTERVAL nights.

A night is one nightly crawl of the site: the site's state counts them
(`SiteState.night`), so the schedule follows the crawls that happen, not a
clock (a night the crawl did not run postpones nothing by surprise, and the
deletion check already counts revisits in a row, not days).

A new document starts from its age, as HTTP's heuristic freshness does
(RFC 9111 §4.2.2 takes a tenth of the time between the response's Date and
its Last-Modified; we take a fifth): a plan published last week may well be
corrected, one untouched for three years hardly will. Its first revisit falls
on a night picked by a hash of its URL within that interval, so the documents
of one backfill do not all come due together.

The schedule lives in each document's state entry (`interval`,
`next_revisit`, a night number) and advances only with the state, after
ingest (DESIGN.md). A document without a schedule (a rebuilt state, an older
state file) is due within SOON nights: a lost schedule costs a few revisits,
never a missed change.
"""

from __future__ import annotations

import hashlib
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any

MIN_INTERVAL = 1  # nights: a document that just changed is looked at again the next night
MAX_INTERVAL = 90  # nights: the longest any live document goes unvisited, the bound on finding a change
SOON = 4  # nights within which a document with no schedule is revisited
# Of a document's age, its first interval: RFC 9111 suggests a tenth for caches; plans, once a few weeks old,
# change less often than web pages, and a fifth keeps a backfill's first month of revisits within budget.
AGE_FRACTION = 0.2

# What ingest saw of a known document on a revisit; each moves its schedule differently.
UNCHANGED, CHANGED, NEW, GONE, REMOVED = "unchanged", "changed", "new", "gone", "removed"


def phase(url: str, span: int) -> int:
    """A stable night offset in [0, span) for a URL, so due revisits spread evenly over nights."""
    return int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) % max(1, span)


def is_due(url: str, entry: dict[str, Any], night: int) -> bool:
    """Whether a known document is revisited on the site's nightly crawl number `night`.

    A document found gone and not yet confirmed removed is revisited every
    night (archive.run.ingest.observe_gone confirms over revisits in a row);
    otherwise its schedule decides, and without one it is due on its turn
    within SOON nights.
    """
    if entry.get("gone") and not entry.get("removed"):
        return True
    planned = entry.get("next_revisit")
    # None, not a night number, or beyond any interval (the site's night count restarted): a lost schedule.
    if not isinstance(planned, int) or planned > night + MAX_INTERVAL:
        return (night + phase(url, SOON)) % SOON == 0
    return planned <= night


def first_interval(age_days: int | None) -> int:
    """The interval of a document first archived when it was `age_days` old (since it last changed)."""
    if age_days is None:
        return MIN_INTERVAL
    return _clamp(int(max(0, age_days) * AGE_FRACTION))


def next_schedule(url: str, entry: dict[str, Any], seen: str, night: int, age_days: int | None = None) -> dict[str, Any]:
    """The `interval` and `next_revisit` of a document after what a fetch on `night` saw (`seen`)."""
    interval = _clamp(int(entry.get("interval") or MIN_INTERVAL))
    if seen == NEW:
        interval = first_interval(age_days)
        # Spread the first revisits of one night's new documents over their interval.
        return _plan(interval, night + 1 + phase(url, interval))
    if seen == CHANGED:
        interval = MIN_INTERVAL
    elif seen in (UNCHANGED, REMOVED) and isinstance(entry.get("next_revisit"), int):
        interval = _clamp(interval * 2)
    elif seen in (UNCHANGED, REMOVED):  # no schedule before (a rebuilt state): start from its age
        interval = first_interval(age_days)
    if seen == GONE:
        return _plan(interval, night + 1)  # confirmation wants the next night
    return _plan(interval, night + interval)


def age_days(now: str | None, changed: str | None) -> int | None:
    """Days from when a page last changed (Last-Modified, or its published date) to `now` (its Date), or None."""
    start, end = day_of(changed), day_of(now)
    if start is None or end is None:
        return None
    return (end - start).days


def day_of(value: str | None) -> date | None:
    """The calendar day of an ISO date, a datetime or an HTTP date (Last-Modified), or None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def _plan(interval: int, night: int) -> dict[str, Any]:
    return {"interval": interval, "next_revisit": night}


def _clamp(interval: int) -> int:
    return max(MIN_INTERVAL, min(MAX_INTERVAL, interval))
