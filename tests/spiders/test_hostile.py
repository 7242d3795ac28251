"""The real spider against testkit/hostile.py: bombs, garbage, endless bodies and redirects off the site.

The crawl runs as archive/run/crawl.py runs it, `python -m spiders.run JOB.json`
in a child process, so its peak memory is measured alone (wait4). Only the
spider's side is checked here: what it fetched, refused and counted. What the
archive makes of the captures is the fault suite's.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.extract.html import extract_page
from archive.records import CrawlJob, CrawlSummary, Site
from testkit.hostile import ENTRIES, METADATA_URL, HostileSite, gzip_bomb
from tests.simweb_helpers import FAST

CRAWL_TIMEOUT_S = 300
MAX_RSS_BYTES = 1 << 30


@pytest.fixture(scope="module")
def hostile():
    with HostileSite() as site:
        yield site


@pytest.fixture(scope="module")
def crawled(hostile, tmp_path_factory):
    """One backfill crawl of the hostile site: its summary, WARC records, exit code and peak memory."""
    work = tmp_path_factory.mktemp("hostile-crawl")
    job = CrawlJob(site=Site.from_dict(hostile.registry_row()), warc_path=str(work / "capture.warc.gz"),
                   summary_path=str(work / "summary.json"), mode="backfill", settings=dict(FAST))
    job_path = work / "job.json"
    job_path.write_text(json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
    with (work / "crawl.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "spiders.run", str(job_path)],
                                stdout=log, stderr=subprocess.STDOUT)
        watchdog = threading.Timer(CRAWL_TIMEOUT_S, proc.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    log_text = (work / "crawl.log").read_text(encoding="utf-8", errors="replace")
    summary = CrawlSummary.from_dict(json.loads(Path(job.summary_path).read_text(encoding="utf-8")))
    return {"returncode": proc.returncode, "summary": summary, "records": warc_records(Path(job.warc_path)),
            "peak_rss": usage.ru_maxrss * 1024, "log": log_text, "warc_bytes": Path(job.warc_path).stat().st_size}


def warc_records(path: Path) -> list[tuple[str, int | None, int]]:
    """(URL, status, stored length) of each response record, without inflating any body."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, no_record_parse=False):
            if record.rec_type != "response":
                continue
            status = record.http_headers.get_statuscode() if record.http_headers else None
            length = int(record.rec_headers.get_header("Content-Length") or 0)
            found.append((record.rec_headers.get_header("WARC-Target-URI"), int(status) if status else None, length))
    return found


def test_the_bomb_is_a_megabyte_that_inflates_to_a_gigabyte():
    assert gzip_bomb().stat().st_size < 1_200_000
    # The same construction, small enough to inflate here: a valid gzip stream (CRC and size checked).
    assert gzip.decompress(gzip_bomb(8 << 20).read_bytes()) == bytes(8 << 20)


def test_the_hostile_site_names_its_real_plans(hostile):
    truth = {row["kind"]: row for row in hostile.truth()}
    assert [row["is_plan"] for row in hostile.truth()].count(True) == 3
    assert truth["utf16le_no_bom"]["is_plan"] and truth["utf16le_no_bom"]["text"].startswith("为深入推进")
    assert not truth["gzip_bomb"]["is_plan"] and truth["gzip_bomb"]["text"] is None


def test_the_crawl_ends_cleanly_within_a_gigabyte(crawled):
    print(f"hostile_crawl peak_rss_mb={crawled['peak_rss'] / 2**20:.0f} warc_mb={crawled['warc_bytes'] / 2**20:.1f} "
          f"errors={dict(crawled['summary'].errors)}")
    assert crawled["returncode"] == 0, crawled["log"][-3000:]
    assert "Traceback" not in crawled["log"], crawled["log"][-3000:]
    assert crawled["peak_rss"] < MAX_RSS_BYTES


# Scrapy 2.19 fails a streamed body cut at DOWNLOAD_MAXSIZE as a cancelled download, and
# spiders/column.py names an exception it does not know by its class.
CUT_AT_MAXSIZE = ("oversize", "DownloadCancelledError")


def test_bodies_past_download_maxsize_are_cut_and_counted(crawled, hostile):
    # The bomb (inflated), the endless body and the 60 MB page all pass DOWNLOAD_MAXSIZE (32 MB).
    errors = crawled["summary"].errors
    assert errors.get("oversize", 0) >= 1, errors  # the bomb, refused as it inflates
    assert sum(errors.get(reason, 0) for reason in CUT_AT_MAXSIZE) == 3, errors
    for slug in ("endless", "huge"):
        url = hostile.url_of(next(e for e in ENTRIES if e.slug == slug))
        assert f"larger than download max size (33554432) in request <GET {url}>" in crawled["log"]
    assert f"<200 {hostile.url_of(ENTRIES[0])}> because its body" in crawled["log"]
    # The WARC keeps what came over the wire: the bomb's megabyte, not a gigabyte, and no endless body.
    assert crawled["warc_bytes"] < 40 * 2**20


def test_redirects_off_the_site_are_refused_and_counted(crawled, hostile):
    errors = crawled["summary"].errors
    assert errors.get("offsite_redirect") == 1 and errors.get("private_redirect") == 1, errors
    assert hostile.offsite_hits == [], "nothing may reach 127.0.0.2"
    fetched = {url for url, _, _ in crawled["records"]}
    assert not any(url.startswith((hostile.offsite_url, METADATA_URL)) for url in fetched)


def test_every_other_entry_is_fetched_and_captured(crawled, hostile):
    captured = {url: status for url, status, _ in crawled["records"]}
    expected = {hostile.url_of(e) for e in ENTRIES if e.slug not in ("endless", "huge")}
    # The bomb's 1 MB arrived whole (it is refused only when inflated); redirects are captured as 302s.
    assert expected <= set(captured), expected - set(captured)
    assert captured[hostile.url_of(next(e for e in ENTRIES if e.slug == "offsite"))] == 302
    for entry in ENTRIES:
        if entry.is_plan:
            assert captured[hostile.url_of(entry)] == 200


def test_the_truth_is_what_the_extractor_reads_from_each_real_plan(hostile):
    """Fetched over HTTP and decoded as their bytes really are, the plan pages extract to truth()'s text."""
    for row in (r for r in hostile.truth() if r["is_plan"]):
        with urllib.request.urlopen(row["url"], timeout=10) as response:
            body, content_type = response.read(), response.headers["Content-Type"]
        if row["kind"] == "utf16le_no_bom":
            assert not body.startswith((b"\xff\xfe", b"\xfe\xff")) and "charset" not in content_type
            body, content_type = body.decode("utf-16-le").encode("utf-8"), "text/html; charset=utf-8"
        page = extract_page(body, row["url"], {"content-type": content_type})
        assert (page.title, page.published, page.text) == (row["title"], row["published"], row["text"])
