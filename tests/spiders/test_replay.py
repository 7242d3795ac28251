"""A WARC the spider wrote, indexed by pywb's and cdxj-indexer's indexers, replays each detail page byte for byte.

pywb 2.10 runs as its own `wayback` server on loopback: its apps monkeypatch the
standard library with gevent on import, which must not happen inside pytest.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from warcio.timeutils import iso_date_to_timestamp

from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions, crawl_site
from tests.simweb_helpers import FAST, site_of_family

BIN = Path(sys.executable).parent
COLLECTION = "wjw"


def _cdxj(text: str) -> list[tuple[str, dict]]:
    """(url key, fields) of each line of a CDXJ index."""
    lines = [line.split(" ", 2) for line in text.splitlines() if line and not line.startswith("!")]
    return [(key, json.loads(fields)) for key, _, fields in lines]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def capture(simweb, tmp_path_factory):
    """A TRS site's crawl: the WARC's local path and its captures."""
    from archive.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("store")))
    site = site_of_family(simweb, "trs")
    result = crawl_site(site, store, "20260101T000000Z-replay", CrawlOptions(mode="backfill", settings=FAST,
                                                                             max_pages=1))
    path = tmp_path_factory.mktemp("warc") / Path(result.warc_key).name
    store.get_to_file(result.warc_key, path)
    with path.open("rb") as stream:
        captures = list(read_captures(stream))
    return path, captures


@pytest.fixture(scope="module")
def collection(capture, tmp_path_factory) -> Path:
    """A pywb collection holding the WARC, added the way an archivist adds one (`wb-manager add`)."""
    root = tmp_path_factory.mktemp("pywb")
    for args in (["init", COLLECTION], ["add", COLLECTION, str(capture[0])]):
        subprocess.run([str(BIN / "wb-manager"), *args], cwd=root, check=True, capture_output=True, timeout=120)
    return root


@pytest.fixture(scope="module")
def wayback(collection):
    """pywb's replay server over the collection, on loopback; its base URL."""
    port = _free_port()
    server = subprocess.Popen([str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)], cwd=collection,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/{COLLECTION}/", timeout=5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pywb's wayback server did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_pywb_indexes_responses_only_under_page_urls(capture, collection):
    _, captures = capture
    index = _cdxj((collection / "collections" / COLLECTION / "indexes" / "index.cdxj").read_text("utf-8"))
    pages = [fields for key, fields in index if not key.startswith("urn:")]
    # Every entry under a page's URL is a response (metadata has no HTTP status), one per capture.
    assert all("status" in fields for fields in pages)
    assert Counter(f["url"] for f in pages) == Counter(c.url for c in captures)
    # The crawl summary stays indexed, under its own URN, beside no page.
    assert [key for key, _ in index if key.startswith("urn:wjw:crawl:")]


def test_cdxj_indexer_indexes_responses_only_under_page_urls(capture, tmp_path):
    path, captures = capture
    out = tmp_path / "index.cdxj"
    subprocess.run([str(BIN / "cdxj-indexer"), "-o", str(out), str(path)], check=True, capture_output=True,
                   timeout=120)
    pages = [fields for key, fields in _cdxj(out.read_text("utf-8")) if not key.startswith("urn:")]
    assert all("status" in fields for fields in pages)
    assert Counter(f["url"] for f in pages) == Counter(c.url for c in captures)


def test_replay_serves_each_detail_page_as_captured(capture, wayback):
    _, captures = capture
    details = [c for c in captures if c.kind == "detail" and c.status == 200]
    assert len(details) >= 5
    for page in details:
        stamp = iso_date_to_timestamp(page.fetched_at)
        with urllib.request.urlopen(f"{wayback}/{COLLECTION}/{stamp}id_/{page.url}", timeout=30) as served:
            assert served.status == 200
            assert served.headers["Content-Type"] == page.headers["content-type"], page.url
            assert served.read() == page.body, page.url
