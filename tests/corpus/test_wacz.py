"""`wjw export --format wacz`: a site's stored WARCs as a WACZ that validates and replays each detail page as captured."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import zipfile

import pytest
from typer.testing import CliRunner
from warcio.timeutils import iso_date_to_timestamp

from archive.corpus.manifest import write_manifest
from archive.dedup.index import DedupIndex
from archive.records import SiteReport
from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions, crawl_site
from archive.run.ingest import ingest_warc
from archive.store import open_store
from cli.main import app
from testkit.pywb import BIN, add_to_collection, read_cdxj, replay, wayback
from tests.simweb_helpers import FAST, site_of_family

RUN_ID = "20260101T000000Z-wacz"


@pytest.fixture(scope="module")
def archived(simweb, tmp_path_factory):
    """A store holding one TRS site's crawl, ingested and published as run RUN_ID; (store path, site, WARC key)."""
    root = tmp_path_factory.mktemp("store")
    store = open_store(str(root))
    site = site_of_family(simweb, "trs")
    result = crawl_site(site, store, RUN_ID, CrawlOptions(mode="backfill", settings=FAST, max_pages=1))
    ingest_warc(store, site, result.warc_key, DedupIndex(), SiteReport(site.id))
    write_manifest(store, RUN_ID)
    return root, site, result.warc_key


@pytest.fixture(scope="module")
def wacz(archived, tmp_path_factory):
    """The WACZ `wjw export --format wacz --site S` writes; its path."""
    root, site, _ = archived
    out = tmp_path_factory.mktemp("export")
    result = CliRunner().invoke(app, ["export", "--store", str(root), "--format", "wacz", "--site", site.id,
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"1 wacz file(s) to {out}/")
    return out / f"{site.id}.wacz"


def test_wacz_holds_the_stored_warc_its_index_pages_and_hashes(archived, wacz):
    root, site, key = archived
    store = open_store(str(root))
    with zipfile.ZipFile(wacz) as package:
        names = set(package.namelist())
        warc_name = f"archive/{key.rsplit('/', 1)[-1]}"
        assert {warc_name, "indexes/index.cdx.gz", "indexes/index.idx", "pages/pages.jsonl", "datapackage.json",
                "datapackage-digest.json"} <= names
        assert package.read(warc_name) == store.get(key)  # the WARC as stored, byte for byte
        datapackage = json.loads(package.read("datapackage.json"))
        assert datapackage["wacz_version"] == "1.1.1" and site.id in datapackage["title"]
        for resource in datapackage["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(package.read(resource["path"])).hexdigest()
        digest = json.loads(package.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(package.read("datapackage.json")).hexdigest()
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode("utf-8").splitlines()]
        index = read_cdxj(gzip.decompress(package.read("indexes/index.cdx.gz")).decode("utf-8"))
    documents = [json.loads(store.get(k)) for k in store.list("docs/")]
    assert documents
    # pages.jsonl: its header, then each document's detail page, with the document's title.
    assert pages[0]["format"] == "json-pages-1.0"
    assert {(p["url"], p["title"]) for p in pages[1:]} == {(d["source_url"], d["title"]) for d in documents}
    # The index lists responses only under page URLs: the capture metadata is not indexed.
    assert all("status" in fields for key_, fields in index if not key_.startswith("urn:"))


def test_wacz_validates(wacz):
    done = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(wacz)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_wacz_replays_each_detail_page_as_captured(archived, wacz, tmp_path):
    root, _, key = archived
    details = [c for c in read_captures(io.BytesIO(open_store(str(root)).get(key))) if c.kind == "detail" and c.status == 200]
    assert details
    add_to_collection(tmp_path, [wacz])
    with wayback(tmp_path) as base:
        for page in details:
            status, content_type, body = replay(base, iso_date_to_timestamp(page.fetched_at), page.url)
            assert (status, content_type, body) == (200, page.headers["content-type"], page.body), page.url


def test_unknown_site_is_one_line_naming_the_valid_ones(archived, tmp_path):
    root, site, _ = archived
    result = CliRunner().invoke(app, ["export", "--store", str(root), "--format", "wacz", "--site", "no-such-wjw",
                                      "--out", str(tmp_path)])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no-such-wjw" in lines[0] and site.id in lines[0], result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())
