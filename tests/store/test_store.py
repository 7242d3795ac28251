"""The store keeps every version, writes content-addressed keys once, and behaves alike on disk and on S3."""

from __future__ import annotations

import multiprocessing
import os
import stat
import sys
import threading
import uuid
from datetime import timezone

import pytest

import testkit.seaweed
from testkit.seaweed import SeaweedError, SeaweedServer
from archive.store import InvalidKey, KeyNotFound, LocalStore, StoreError, open_store

BAD_KEYS = ["", "/etc/passwd", "../escape", "docs/../../escape", "docs/./a.json", "docs//a.json", "docs/",
            ".versions/docs/a.json", "docs/.hidden", "docs\\a.json", "docs/a\x00.json"]


@pytest.fixture(params=["local_store", "s3_store"])
def store(request):
    """Each test below runs on the local folder store and on S3 (SeaweedFS)."""
    return request.getfixturevalue(request.param)


def test_put_then_get_returns_the_same_bytes(store):
    data = "2026年卫生健康工作要点\n".encode("utf-8")
    result = store.put("text/ab/ab12.txt", data, content_type="text/plain; charset=utf-8")
    assert result.key == "text/ab/ab12.txt" and result.written and result.version_id
    assert store.get("text/ab/ab12.txt") == data
    assert store.exists("text/ab/ab12.txt")


def test_rewriting_a_key_keeps_the_old_version_readable(store):
    first = store.put("docs/d1.json", b'{"title": "v1"}')
    second = store.put("docs/d1.json", b'{"title": "v2, edited"}')
    assert first.version_id != second.version_id
    assert store.get("docs/d1.json") == b'{"title": "v2, edited"}'
    assert store.get("docs/d1.json", first.version_id) == b'{"title": "v1"}'
    assert store.get("docs/d1.json", second.version_id) == b'{"title": "v2, edited"}'


def test_versions_lists_every_write_newest_first(store):
    ids = [store.put("docs/d2.json", body).version_id for body in (b"one", b"two!", b"three")]
    versions = store.versions("docs/d2.json")
    assert [v.version_id for v in versions] == ids[::-1]
    assert [v.size for v in versions] == [5, 4, 3]
    assert [v.is_latest for v in versions] == [True, False, False]
    assert all(v.modified.tzinfo is not None and v.modified.utcoffset() == timezone.utc.utcoffset(None)
               for v in versions)
    assert versions[0].modified >= versions[1].modified >= versions[2].modified


def test_versions_of_a_key_never_written_is_empty(store):
    store.put("docs/d3.json.bak", b"sibling with a longer name")
    assert store.versions("docs/d3.json") == []


def test_if_absent_writes_a_key_once(store):
    first = store.put("blobs/sha256/ab/abcd", b"attachment", if_absent=True)
    again = store.put("blobs/sha256/ab/abcd", b"other bytes", if_absent=True)
    assert first.written and first.version_id
    assert not again.written and again.version_id is None
    assert store.get("blobs/sha256/ab/abcd") == b"attachment"
    assert len(store.versions("blobs/sha256/ab/abcd")) == 1


def test_eight_racing_if_absent_writers_write_exactly_once(store):
    key = "text/cd/cdef.txt"
    barrier = threading.Barrier(8)
    results = {}

    def write(writer: int) -> None:
        barrier.wait()
        results[writer] = store.put(key, f"writer {writer}".encode(), if_absent=True)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [n for n, result in results.items() if result.written]
    assert len(results) == 8 and len(winners) == 1
    assert store.get(key) == f"writer {winners[0]}".encode()
    assert len(store.versions(key)) == 1


def test_list_gives_the_keys_under_a_prefix_sorted(store):
    for key in ("text/ac/y.txt", "docs/b.json", "text/ab/x.txt", "docs/a.json", "docs-index.json"):
        store.put(key, b"x")
    store.put("docs/a.json", b"rewritten")
    assert list(store.list("docs/")) == ["docs/a.json", "docs/b.json"]
    assert list(store.list("text/ab")) == ["text/ab/x.txt"]
    assert list(store.list("docs")) == ["docs-index.json", "docs/a.json", "docs/b.json"]
    assert list(store.list()) == ["docs-index.json", "docs/a.json", "docs/b.json", "text/ab/x.txt", "text/ac/y.txt"]
    assert list(store.list("manifests/")) == []


def test_a_missing_key_raises_key_not_found_naming_it(store):
    with pytest.raises(KeyNotFound, match="docs/nope.json") as raised:
        store.get("docs/nope.json")
    assert raised.value.key == "docs/nope.json"
    assert not store.exists("docs/nope.json")
    real = store.put("docs/here.json", b"{}").version_id
    with pytest.raises(KeyNotFound, match="docs/here.json"):
        store.get("docs/here.json", version_id=real[::-1])


@pytest.mark.parametrize("key", BAD_KEYS)
def test_keys_that_could_escape_or_alias_are_refused(store, key):
    with pytest.raises(InvalidKey):
        store.put(key, b"x")
    with pytest.raises(InvalidKey):
        store.get(key)
    with pytest.raises(InvalidKey):
        store.exists(key)


@pytest.mark.parametrize("prefix", ["/docs", "../", "docs/../", ".versions/"])
def test_prefixes_that_could_escape_are_refused(store, prefix):
    with pytest.raises(InvalidKey):
        store.list(prefix)


def test_put_file_streams_a_large_file(store, tmp_path):
    if hasattr(store, "multipart_threshold"):
        store.multipart_threshold = 5 * 1024 * 1024  # so this file goes up in parts
    warc = tmp_path / "run-site.warc.gz"
    warc.write_bytes(os.urandom(6 * 1024 * 1024 + 17))
    result = store.put_file("warc/2026/01/02/run-site.warc.gz", warc, content_type="application/warc")
    assert result.written and result.version_id == store.versions(result.key)[0].version_id
    assert store.get(result.key) == warc.read_bytes()
    # Its sha256 is recorded (in parts on S3, whole in the metadata) and checks out.
    assert store.audit(result.key) == []


def test_audit_finds_a_version_that_no_longer_matches_its_recorded_sha256(store):
    first = store.put("docs/audited.json", b'{"published": "2019-03-01"}')
    store.put("docs/audited.json", b'{"published": "2019-03-02"}')
    assert store.audit("docs/audited.json") == []
    if isinstance(store, LocalStore):
        rotted = first.version_id
        path = store.root / ".versions" / "docs/audited.json" / rotted
        os.chmod(path, 0o644)
        path.write_bytes(b'{"published": "2018-03-01"}')
    else:  # rot under the recorded digest: the old bytes' metadata over new bytes
        recorded = store.client.head_object(Bucket=store.bucket, Key=store._full("docs/audited.json"),
                                            VersionId=first.version_id)["Metadata"]
        rotted = store.client.put_object(Bucket=store.bucket, Key=store._full("docs/audited.json"),
                                         Body=b'{"published": "2018-03-01"}', Metadata=recorded)["VersionId"]
    problems = store.audit("docs/audited.json")
    assert len(problems) == 1 and rotted in problems[0]


def test_put_file_names_a_missing_file(store, tmp_path):
    with pytest.raises(StoreError, match="gone.warc.gz"):
        store.put_file("warc/x.warc.gz", tmp_path / "gone.warc.gz")


def test_describe_key_says_where_the_key_lives(store):
    where = store.describe_key("docs/d4.json")
    assert where.endswith("docs/d4.json") and str(store) in where


# --- S3 -------------------------------------------------------------------------------------------

def test_an_unversioned_bucket_is_refused_unless_allowed(seaweed, s3_store):
    bucket = f"wjw-plain-{uuid.uuid4().hex[:8]}"
    seaweed.create_bucket(bucket, versioned=False)
    with pytest.raises(StoreError, match=f"bucket {bucket} has no versioning; enable it or pass --allow-unversioned"):
        open_store(f"s3://{bucket}")
    store = open_store(f"s3://{bucket}", allow_unversioned=True)
    assert store.put("docs/a.json", b"{}").written
    assert store.get("docs/a.json") == b"{}"


def test_a_missing_bucket_is_named(s3_store):
    with pytest.raises(StoreError, match="bucket wjw-no-such-bucket does not exist"):
        open_store("s3://wjw-no-such-bucket/archive")


def test_missing_credentials_are_named(monkeypatch):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(StoreError, match="no S3 credentials; set AWS_ACCESS_KEY_ID"):
        open_store("s3://wjw/archive")


def test_an_unreachable_endpoint_is_named(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(StoreError, match="endpoint http://127.0.0.1:9"):
        open_store("s3://wjw")


def test_a_prefix_keeps_keys_inside_it(s3_store):
    inner = open_store(f"{s3_store.uri}/archive/2026/")
    inner.put("docs/a.json", b"{}")
    assert inner.uri == f"{s3_store.uri}/archive/2026"
    assert inner.describe_key("docs/a.json") == f"{s3_store.uri}/archive/2026/docs/a.json"
    assert list(inner.list("docs/")) == ["docs/a.json"]
    assert list(s3_store.list()) == ["archive/2026/docs/a.json"]


# --- the local folder -----------------------------------------------------------------------------

def test_on_disk_the_key_is_the_newest_file_and_versions_are_hidden(local_store):
    old = local_store.put("docs/d5.json", b"old").version_id
    new = local_store.put("docs/d5.json", b"new").version_id
    root = local_store.root
    assert (root / "docs/d5.json").read_bytes() == b"new"
    assert (root / ".versions/docs/d5.json" / old).read_bytes() == b"old"
    assert (root / ".versions/docs/d5.json" / new).read_bytes() == b"new"
    assert sorted([old, new]) == [old, new]  # ids sort by time
    assert not stat.S_IMODE((root / ".versions/docs/d5.json" / old).stat().st_mode) & 0o222
    assert list(local_store.list()) == ["docs/d5.json"]


def _race_once(root: str, writer: int, barrier) -> None:
    barrier.wait()
    written = open_store(root).put("text/ef/ef01.txt", f"process {writer}".encode(), if_absent=True).written
    sys.exit(0 if written else 1)


def test_eight_racing_processes_write_exactly_once(local_store):
    # The CLI crawls sites in parallel processes that share one local store.
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(8)
    processes = [context.Process(target=_race_once, args=(str(local_store.root), n, barrier)) for n in range(8)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    winners = [n for n, process in enumerate(processes) if process.exitcode == 0]
    assert len(winners) == 1 and all(process.exitcode in (0, 1) for process in processes)
    assert local_store.get("text/ef/ef01.txt") == f"process {winners[0]}".encode()
    assert len(local_store.versions("text/ef/ef01.txt")) == 1


def test_a_file_put_in_by_hand_survives_a_rewrite(local_store):
    (local_store.root / "docs").mkdir(parents=True)
    (local_store.root / "docs/by-hand.json").write_bytes(b"hand")
    local_store.put("docs/by-hand.json", b"store")
    assert [local_store.get("docs/by-hand.json", v.version_id) for v in local_store.versions("docs/by-hand.json")] \
        == [b"store", b"hand"]


def test_on_disk_a_name_is_a_key_or_a_folder_never_both(local_store):
    local_store.put("docs", b"a file")
    with pytest.raises(StoreError, match="docs/a.json: cannot be a key, a folder on its path is a key"):
        local_store.put("docs/a.json", b"{}")
    local_store.put("text/ab/x.txt", b"x")
    with pytest.raises(StoreError, match="text/ab: cannot be a key, it is a folder of other keys"):
        local_store.put("text/ab", b"{}")
    assert list(local_store.list()) == ["docs", "text/ab/x.txt"]
    assert local_store.versions("text/ab") == []


def test_store_uris_open_the_right_store(tmp_path):
    by_path = open_store(str(tmp_path / "s"))
    by_url = open_store((tmp_path / "s").as_uri())
    assert isinstance(by_url, LocalStore) and by_url.root == by_path.root
    by_path.put("docs/a.json", b"{}")
    assert by_url.get("docs/a.json") == b"{}"
    assert not (tmp_path / "never-written").exists() and not open_store(str(tmp_path / "never-written")).exists("a")
    for uri in ("gs://bucket/x", "file://otherhost/x", "s3://", ""):
        with pytest.raises(StoreError):
            open_store(uri)


# --- the SeaweedFS harness ------------------------------------------------------------------------

def test_seaweed_serves_s3_on_loopback_only(seaweed):
    assert seaweed.endpoint_url.startswith("http://127.0.0.1:")
    assert seaweed.env["AWS_ENDPOINT_URL"] == seaweed.endpoint_url
    assert seaweed.startup_seconds is not None and seaweed.startup_seconds < 30


def test_seaweed_startup_failure_shows_the_log(tmp_path, monkeypatch):
    fake = tmp_path / "weed"
    fake.write_text("#!/bin/sh\necho 'weed: cannot open volume folder' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(testkit.seaweed, "weed_binary", lambda: fake)
    with pytest.raises(SeaweedError, match="(?s)code 3.*cannot open volume folder"):
        SeaweedServer(tmp_path / "data").start()


@pytest.fixture(params=["local_store", "s3_store"])
def any_store(request):
    return request.getfixturevalue(request.param)


def test_replace_writes_only_over_what_was_read(any_store):
    from archive.store import WriteConflict

    any_store.put("state/sites/x.json", b"one")
    any_store.replace("state/sites/x.json", b"two", b"one")
    assert any_store.get("state/sites/x.json") == b"two"
    with pytest.raises(WriteConflict, match="state/sites/x.json"):
        any_store.replace("state/sites/x.json", b"three", b"one")
    assert any_store.get("state/sites/x.json") == b"two"
    assert len(any_store.versions("state/sites/x.json")) == 2


def test_two_runs_of_one_site_cannot_both_write_its_state(any_store):
    from archive.store.state import StateConflict, load_state, save_state

    first, second = load_state(any_store, "sim-x"), load_state(any_store, "sim-x")
    first.listed = ["http://a/1.html"]
    save_state(any_store, first)
    second.listed = ["http://a/2.html"]
    with pytest.raises(StateConflict, match="sim-x"):
        save_state(any_store, second)
    again = load_state(any_store, "sim-x")
    again.listed.append("http://a/2.html")
    save_state(any_store, again)
    assert load_state(any_store, "sim-x").listed == ["http://a/1.html", "http://a/2.html"]
