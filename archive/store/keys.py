"""Every key of the store's layout, named once and parsed back (DESIGN.md, "Store layout").

A module that writes or lists an object asks this one for its key, and a
module that meets a key (verify, the run that finishes a dead run's WARCs)
asks this one what it is; no other module spells a prefix out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

WARC_PREFIX = "warc/"
BLOBS_ROOT = "blobs/"
BLOB_PREFIX = BLOBS_ROOT + "sha256/"
TEXT_PREFIX = "text/"
DOCS_PREFIX = "docs/"
INDEX_PREFIX = "index/minhash/"
STATE_PREFIX = "state/sites/"
LEASE_PREFIX = "leases/sites/"
MANIFEST_PREFIX = "manifests/"
RUNS_PREFIX = "runs/"

LATEST_MANIFEST = MANIFEST_PREFIX + "latest.json"
INDEX_PARAMS = INDEX_PREFIX + "params.json"
INDEX_SEGMENT_PREFIX = INDEX_PREFIX + "seg/"

_SHA256 = "[0-9a-f]{64}"
_WARC = re.compile(r"warc/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<name>[^/]+)\.warc\.gz")
_TEXT = re.compile(rf"text/(?P<fan>[0-9a-f]{{2}})/(?P<sha>{_SHA256})\.txt")
_BLOB = re.compile(rf"blobs/sha256/(?P<fan>[0-9a-f]{{2}})/(?P<sha>{_SHA256})")
_DOC = re.compile(r"docs/(?P<id>[^/]+)\.json")
_STATE = re.compile(r"state/sites/(?P<id>[^/]+)\.json")
_LEASE = re.compile(r"leases/sites/(?P<id>[^/]+)\.json")
_MANIFEST = re.compile(r"manifests/(?P<run>[^/]+)\.jsonl\.gz")
_REPORT = re.compile(r"runs/(?P<run>[^/]+)/report\.json")
_LOG = re.compile(r"runs/(?P<run>[^/]+)/logs/(?P<site>[^/]+)\.log\.gz")


def warc_key(run_id: str, site_id: str, when: datetime | None = None) -> str:
    """warc/YYYY/MM/DD/<run_id>-<site>.warc.gz: a run's raw captures of one site.

    The day is the one the run id starts with (20261124T060000Z-1a2b), so every
    process of a run, and a later run finishing a dead one's work, names the same
    key; `when`, or today, for a run id that does not start with a time.
    """
    when = when or run_started(run_id) or datetime.now(timezone.utc)
    return f"{WARC_PREFIX}{when:%Y/%m/%d}/{run_id}-{site_id}.warc.gz"


def run_started(run_id: str) -> datetime | None:
    """The time a run id starts with, or None."""
    try:
        return datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def blob_key(sha256: str) -> str:
    """blobs/sha256/ab/<sha256>: a raw file (attachment), content-addressed."""
    return f"{BLOB_PREFIX}{sha256[:2]}/{sha256}"


def text_key(sha256: str) -> str:
    """text/ab/<sha256>.txt: an extracted text, named by the sha256 of its UTF-8 bytes."""
    return f"{TEXT_PREFIX}{sha256[:2]}/{sha256}.txt"


def doc_key(doc_id: str) -> str:
    """docs/<doc_id>.json: a document's record; its versions are the document's history."""
    return f"{DOCS_PREFIX}{doc_id}.json"


def state_key(site_id: str) -> str:
    """state/sites/<site>.json: a site's crawl state (a cache of the store)."""
    return f"{STATE_PREFIX}{site_id}.json"


def lease_key(site_id: str) -> str:
    """leases/sites/<site>.json: which run is crawling a site, until when."""
    return f"{LEASE_PREFIX}{site_id}.json"


def manifest_key(run_id: str) -> str:
    """manifests/<run_id>.jsonl.gz: the corpus as of a run."""
    return f"{MANIFEST_PREFIX}{run_id}.jsonl.gz"


def report_key(run_id: str) -> str:
    """runs/<run_id>/report.json: what a run did; written last, it is the run's commit marker."""
    return f"{RUNS_PREFIX}{run_id}/report.json"


def log_key(run_id: str, site_id: str) -> str:
    """runs/<run_id>/logs/<site>.log.gz: the crawl log of one site in one run."""
    return f"{RUNS_PREFIX}{run_id}/logs/{site_id}.log.gz"


def readings_key(run_id: str, warc_key: str) -> str:
    """runs/<run_id>/readings/<warc name>.json.gz: a WARC read (extracted, signed) by a mapped task, for publish to commit."""
    warc = parse_warc_key(warc_key)
    name = warc.name if warc is not None else warc_key.rsplit("/", 1)[-1]
    return f"{RUNS_PREFIX}{run_id}/readings/{name}.json.gz"


def index_segment_key(name: str) -> str:
    """index/minhash/seg/<name>.jsonl.gz: one add-only segment of the near-duplicate index."""
    return f"{INDEX_SEGMENT_PREFIX}{name}.jsonl.gz"


@dataclass(frozen=True)
class WarcName:
    """What a WARC key says: the day it was captured and `<run_id>-<site>` (split only knowing the site ids)."""

    day: date
    name: str

    def site_among(self, site_ids) -> str | None:
        """The site this WARC belongs to: run and site ids may both hold dashes, so match a known suffix."""
        return max((s for s in site_ids if self.name.endswith(f"-{s}")), key=len, default=None)

    def run_id_for(self, site_id: str) -> str:
        """The run that wrote this WARC, given its site."""
        return self.name.removesuffix(f"-{site_id}")


def parse_warc_key(key: str) -> WarcName | None:
    """A WARC key's day and name, or None for any other key."""
    match = _WARC.fullmatch(key)
    if not match:
        return None
    try:
        return WarcName(date(int(match["y"]), int(match["m"]), int(match["d"])), match["name"])
    except ValueError:
        return None


def content_address(key: str) -> str | None:
    """The sha256 a text/ or blobs/ key names (its fan-out directory consistent), else None."""
    match = _TEXT.fullmatch(key) or _BLOB.fullmatch(key)
    if not match or match["sha"][:2] != match["fan"]:
        return None
    return match["sha"]


def is_content_addressed(key: str) -> bool:
    """True for keys under text/ and blobs/, whose name is their digest (well formed or not)."""
    return key.startswith((TEXT_PREFIX, BLOBS_ROOT))


def _named(pattern: re.Pattern[str], key: str) -> str | None:
    match = pattern.fullmatch(key)
    return match[1] if match else None


def doc_id_of(key: str) -> str | None:
    """The doc id a docs/ key names, else None."""
    return _named(_DOC, key)


def site_of_state(key: str) -> str | None:
    """The site a state/ key belongs to, else None."""
    return _named(_STATE, key)


def site_of_lease(key: str) -> str | None:
    """The site a leases/ key belongs to, else None."""
    return _named(_LEASE, key)


def run_of_manifest(key: str) -> str | None:
    """The run a manifests/<run_id>.jsonl.gz key belongs to, else None (latest.json included)."""
    return _named(_MANIFEST, key)


def run_of_report(key: str) -> str | None:
    """The run a runs/<run_id>/report.json key belongs to, else None."""
    return _named(_REPORT, key)


def log_of(key: str) -> tuple[str, str] | None:
    """(run id, site id) of a runs/<run_id>/logs/<site>.log.gz key, else None."""
    match = _LOG.fullmatch(key)
    return (match["run"], match["site"]) if match else None
