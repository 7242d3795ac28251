"""Per-site leases (`leases/sites/<site>.json`): which run works on a site, until when, and what it left.

Two runs must never crawl and ingest one site at once: they would fetch every
page twice and race on the site's state. A run takes a site's lease before
crawling it and gives it back after the site's state has advanced. The lease
is one small object per site, never deleted (the store deletes nothing):

- free: no object yet, or one marked `released`;
- held: a run id, the host and process holding it, and an expiry the holder
  renews while it works;
- dead: held, but expired, or held by a process on this host that no longer
  runs. A dead lease may be taken over; its `warcs` are the WARCs the dead run
  stored and may not have ingested, which the new holder ingests first.

Taking a lease is a create-only write for a free site never leased, else a
conditional replace of the bytes read, so of two runs racing for a site
exactly one wins.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from archive.scratch import running
from archive.store.base import KeyNotFound, Store, StoreError, WriteConflict
from archive.store.keys import lease_key

# How long a lease lasts without renewal. The CLI renews every third of it while it works,
# so a run that dies on another host frees its sites within this time.
LEASE_TTL = timedelta(minutes=10)


class LeaseHeld(StoreError):
    """Another live run holds the site."""

    def __init__(self, site_id: str, holder: str) -> None:
        super().__init__(f"site {site_id}: another run ({holder}) is working on it")
        self.site_id = site_id
        self.holder = holder


@dataclass
class Lease:
    """A lease this run holds on one site, and the WARCs an earlier, dead run left there."""

    site_id: str
    run_id: str
    ttl: timedelta
    pid: int | None
    inherited: list[str] = field(default_factory=list)  # WARC keys of dead runs, to ingest before crawling
    pending: list[str] = field(default_factory=list)  # WARC keys stored and not yet ingested, as the lease says
    taken_over: str | None = None  # the dead run whose lease this was
    read_as: bytes | None = field(default=None, repr=False)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _body(site_id: str, run_id: str, expires: datetime, pid: int | None, warcs: list[str], released: bool) -> bytes:
    data = {"site_id": site_id, "run_id": run_id, "host": socket.gethostname(), "pid": pid,
            "expires_at": expires.isoformat(timespec="seconds"), "warcs": warcs, "released": released}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _read(store: Store, site_id: str) -> tuple[dict | None, bytes | None]:
    """The lease object's data and bytes; (None, None) when the site was never leased.

    A lease that does not parse (torn, hand-edited, corrupted) is read as dead
    with no WARCs: the site must not stay locked forever, and whatever its WARCs
    held is found again by crawling.
    """
    try:
        raw = store.get(lease_key(site_id))
    except KeyNotFound:
        return None, None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError:
        return {"run_id": "unreadable", "released": False, "expires_at": "1970-01-01T00:00:00+00:00",
                "warcs": []}, raw
    return data, raw


def _dead(data: dict, now: datetime) -> bool:
    if data.get("released"):
        return True
    try:
        expires = datetime.fromisoformat(data.get("expires_at") or "")
    except ValueError:
        return True
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    if expires <= now:
        return True
    pid = data.get("pid")
    if isinstance(pid, int) and data.get("host") == socket.gethostname():
        return not running(pid)
    return False


def take(store: Store, site_id: str, run_id: str, *, ttl: timedelta = LEASE_TTL, pid: int | None = None,
         planned_warc: str | None = None) -> Lease:
    """Take the site's lease for `run_id`, or raise LeaseHeld when a live run holds it.

    `pid` (this process, for the CLI) lets a run on the same host see at once that
    a killed holder is dead; None (Airflow, whose tasks are separate processes)
    leaves only the expiry. `planned_warc` is the key this run will store its crawl
    under, recorded before crawling so that a run killed after storing it leaves
    the WARC to its successor.
    """
    data, raw = _read(store, site_id)
    inherited: list[str] = []
    taken_over = None
    if data is not None:
        same_run = data.get("run_id") == run_id
        if not same_run and not _dead(data, _now()):
            raise LeaseHeld(site_id, f"run {data.get('run_id')} on {data.get('host')}")
        inherited = [key for key in data.get("warcs") or [] if isinstance(key, str)]
        if not same_run and not data.get("released"):
            taken_over = str(data.get("run_id"))
    inherited = [key for key in dict.fromkeys(inherited) if key != planned_warc and store.exists(key)]
    pending = inherited + ([planned_warc] if planned_warc else [])
    body = _body(site_id, run_id, _now() + ttl, pid, pending, released=False)
    try:
        if raw is None:
            if not store.put(lease_key(site_id), body, if_absent=True, content_type="application/json").written:
                raise LeaseHeld(site_id, "a run that took it a moment ago")
        else:
            store.replace(lease_key(site_id), body, raw, content_type="application/json")
    except WriteConflict:
        raise LeaseHeld(site_id, "a run that took it a moment ago") from None
    return Lease(site_id, run_id, ttl, pid, inherited=inherited, pending=pending, taken_over=taken_over,
                 read_as=body)


def _write(store: Store, lease: Lease, body: bytes) -> None:
    try:
        store.replace(lease_key(lease.site_id), body, lease.read_as or b"", content_type="application/json")
    except WriteConflict:
        # Our lease expired and another run took the site over: its WARCs are now that run's to finish.
        raise LeaseHeld(lease.site_id, "a run that took it over after our lease expired") from None
    lease.read_as = body


def renew(store: Store, lease: Lease) -> None:
    """Push the lease's expiry one TTL ahead."""
    _write(store, lease, _body(lease.site_id, lease.run_id, _now() + lease.ttl, lease.pid, lease.pending, False))


def release(store: Store, lease: Lease, *, unfinished: list[str] | None = None) -> None:
    """Give the site back; `unfinished` WARCs (stored, not ingested) stay on the lease for the next run."""
    lease.pending = list(unfinished or [])
    _write(store, lease, _body(lease.site_id, lease.run_id, _now(), lease.pid, lease.pending, released=True))


class Heartbeat:
    """A thread that renews the leases a run holds until stopped; a renewal that fails is retried next beat."""

    def __init__(self, store: Store, interval: float | None = None) -> None:
        self.store = store
        self.leases: dict[str, Lease] = {}
        self.lock = threading.Lock()
        self.interval = interval if interval is not None else LEASE_TTL.total_seconds() / 3
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="wjw-lease-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def hold(self, lease: Lease) -> None:
        """Renew this lease from now on."""
        with self.lock:
            self.leases[lease.site_id] = lease

    def drop(self, lease: Lease) -> None:
        """Stop renewing this lease (it was released)."""
        with self.lock:
            self.leases.pop(lease.site_id, None)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            with self.lock:
                leases = list(self.leases.values())
            for lease in leases:
                try:
                    with self.lock:
                        if lease.site_id in self.leases:
                            renew(self.store, lease)
                except StoreError:
                    continue
