"""Serve the simulated sites over real HTTP, one loopback address per site, all on one port."""

from __future__ import annotations

import os
import select
import signal
import socket
import socketserver
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from simweb import faults, mechanics
from simweb.model import Site, World
from simweb.routes import list_urls, respond
from simweb.truth import ground_truth
from simweb.world import build_world

CHINA_TIME = timezone(timedelta(hours=8))
HOST_PREFIX = "127.77.0."  # Linux routes all of 127/8 to loopback, so every site gets its own host


# How often an idle server looks for a shutdown request; only closing waits for it (servers close in
# parallel), and a world of hundreds of sites must not spend a core waking its threads.
POLL_S = 0.5


def site_host(n: int) -> str:
    """The loopback address of the n-th site (from 1): 127.77.0.n for the first 250, then 127.77.1.1, …"""
    return f"127.77.{(n - 1) // 250}.{(n - 1) % 250 + 1}"
BIND_ATTEMPTS = 5
# How long a `timeout` fault stalls before answering (the crawler's DOWNLOAD_TIMEOUT must be shorter to see it),
# and how long a `slow_body` fault takes to trickle its body out. Both can be set per SimWeb or by environment.
TIMEOUT_SECONDS = float(os.environ.get("SIMWEB_TIMEOUT_SECONDS", "20"))
SLOW_BODY_SECONDS = float(os.environ.get("SIMWEB_SLOW_BODY_SECONDS", "3"))


def http_date(moment: datetime) -> str:
    """An HTTP date (RFC 9110) for a naive China Standard Time moment."""
    return format_datetime(moment.replace(tzinfo=CHINA_TIME).astimezone(UTC), usegmt=True)


def _unchanged_since(header: str | None, modified: datetime) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified.replace(tzinfo=CHINA_TIME) <= since


def _column_row(site: Site, column, base: str, path: str) -> dict:
    """A column as a careful operator writes it: its URL, and `list_data` where only the script knows the list."""
    row = {"name": column.name, "url": base + path.lstrip("/")}
    declared = mechanics.list_data(site, column, base) if site.shape in mechanics.SHAPES else None
    return row | {"list_data": declared} if declared else row


class _SiteHandler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, a kept-alive client waits out a 40 ms delayed ACK each time.
    disable_nagle_algorithm = True

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header on the simulated calendar: the web's day at today's time, so Date and Last-Modified agree."""
        now = datetime.now(UTC)
        day = self.server.web.world.date_of(self.server.web.day)
        return format_datetime(datetime.combine(day, now.time(), UTC), usegmt=True)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        form = b""
        if method == "POST":
            form = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        web = self.server.web
        headers = {"Cookie": self.headers.get("Cookie", ""), "Host": self.headers.get("Host", "")}
        response = respond(web.world, self.server.site, web.day, method, self.path, form, headers)
        status, body = response.status, response.body
        if response.behaviour == "timeout" and not self._stall(web.timeout_seconds):
            self.close_connection = True
            return
        if response.last_modified and status == 200 and _unchanged_since(self.headers.get("If-Modified-Since"), response.last_modified):
            status, body = 304, b""
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        if response.last_modified:
            self.send_header("Last-Modified", http_date(response.last_modified))
        for name, value in response.headers:
            self.send_header(name, value)
        if response.behaviour == "truncated_body":
            self.send_header("Connection", "close")
        self.end_headers()
        if method == "HEAD":
            return
        if response.behaviour == "truncated_body":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif response.behaviour == "slow_body":
            chunks = 10
            step = -(-len(body) // chunks)
            for n in range(chunks):
                self.wfile.write(body[n * step:(n + 1) * step])
                self.wfile.flush()
                time.sleep(web.slow_body_seconds / chunks)
        else:
            self.wfile.write(body)

    def _stall(self, seconds: float) -> bool:
        """Wait before answering; False as soon as the client hangs up, so a timed-out test costs nothing more."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.1)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return False
                except OSError:
                    return False
        return True

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: a crawl makes thousands of requests."""


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Site, web: SimWeb) -> None:
        self.site = site
        self.web = web
        super().__init__(address, _SiteHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a DNS round trip we neither need nor have.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SimWeb:
    """The simulated sites of a world, each served on its own loopback address; use as a context manager."""

    def __init__(self, world: World, day: int = 0, port: int = 0,
                 timeout_seconds: float = TIMEOUT_SECONDS, slow_body_seconds: float = SLOW_BODY_SECONDS) -> None:
        self.world = world
        self.timeout_seconds = timeout_seconds
        self.slow_body_seconds = slow_body_seconds
        self.day = 0
        self.set_day(day)
        self._servers, self.port = self._bind(port)
        self._threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_S}, name=f"simweb-{server.site.id}", daemon=True)
            for server in self._servers
        ]
        for thread in self._threads:
            thread.start()

    def _bind(self, port: int) -> tuple[list[_SiteServer], int]:
        """Bind every site on one port; with port 0, take a free one from the first host and retry on clashes."""
        error: OSError | None = None
        for _ in range(BIND_ATTEMPTS if port == 0 else 1):
            servers: list[_SiteServer] = []
            chosen = port
            try:
                for n, site in enumerate(self.world.sites, start=1):
                    servers.append(_SiteServer((site_host(n), chosen), site, self))
                    chosen = servers[0].server_address[1]
                return servers, chosen
            except OSError as exc:
                error = exc
                for server in servers:
                    server.server_close()
        raise OSError(f"simweb could not bind {len(self.world.sites)} sites on {site_host(1)}-{site_host(len(self.world.sites))} port {port or 'any'}: {error}; "
                      "pick another --port or stop whatever holds it")

    @property
    def sites(self) -> tuple[Site, ...]:
        """The simulated sites, in registry order."""
        return self.world.sites

    def host(self, site_id: str) -> str:
        """The loopback address a site is served on."""
        index = [site.id for site in self.world.sites].index(site_id)
        return site_host(index + 1)

    def base_url(self, site_id: str) -> str:
        """The site's root URL, ending in a slash."""
        return f"http://{self.host(site_id)}:{self.port}/"

    def base_urls(self) -> dict[str, str]:
        """Every site's root URL by site id."""
        return {site.id: self.base_url(site.id) for site in self.world.sites}

    def set_day(self, day: int) -> None:
        """Move the whole web to another day; servers keep running."""
        if day < 0:
            raise ValueError(f"simweb days start at 0, not {day}")
        self.day = day

    def registry_rows(self) -> list[dict]:
        """The sites as the crawler's registry describes them: all a crawler may know besides HTTP."""
        rows = []
        for site in self.world.sites:
            base = self.base_url(site.id)
            rows.append({
                "id": site.id,
                "name": site.name,
                "level": site.level,
                "province": site.province,
                "city": site.city,
                "county": site.county,
                "region_code": site.region_code,
                "base_url": base,
                "cms": site.cms,
                "columns": [_column_row(site, column, base, path) for column, (_, path) in zip(site.columns, list_urls(site))],
                # As an operator's registry would say of a site seen behind a JavaScript challenge.
                "render": any(f.site_id == site.id and f.fault == "blocked_by_waf" for f in self.world.faults),
                # Our own server on loopback: a short pause keeps the demo quick and still exercises the delay.
                "download_delay": 0.1,
            })
        return rows

    def truth(self) -> list[dict]:
        """Ground truth for the current day (for tests and benchmarks, never for the crawler)."""
        return ground_truth(self.world, self.day, self.base_urls())

    def faults(self) -> list[dict]:
        """The faults served on the current day: {site_id, url, fault, day, detail} (never for the crawler)."""
        return [
            {"site_id": site.id, "url": self.base_url(site.id).rstrip("/") + path, "fault": fault, "day": self.day, "detail": detail}
            for site, path, fault, detail in faults.served(self.world, self.day)
        ]

    def close(self) -> None:
        """Stop serving and release the sockets."""
        # Each shutdown waits out its server's poll; in parallel, a world of hundreds of sites closes as fast as one.
        stoppers = [threading.Thread(target=server.shutdown) for server in self._servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for server in self._servers:
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> SimWeb:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def serve(day: int = 0, port: int = 8477, seed: int = 0) -> None:
    """Serve the simulated web until Ctrl-C, printing each site's base URL."""
    web = SimWeb(build_world(seed), day=day, port=port)
    previous = signal.getsignal(signal.SIGINT)
    try:
        for site in web.sites:
            print(f"{site.id}\t{site.cms}\t{web.base_url(site.id)}\t{site.name}", flush=True)
        print(f"simweb day {day}, seed {seed}: serving {len(web.sites)} sites; Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        # A second interrupt (uv run forwards one of its own) must not cut the shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    finally:
        web.close()
        signal.signal(signal.SIGINT, previous)
