"""`wjw verify`: passes on a fresh archive, fails naming the key after an object is corrupted."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from cli.main import app
from archive.corpus.manifest import write_manifest
from archive.corpus.verify import verify_store
from tests.dedup.test_dedup import ingest, republications


def fresh_archive(store):
    ingest(store, republications())
    write_manifest(store, "run-1")


@pytest.mark.parametrize("store_fixture", ["local_store", "s3_store"])
def test_a_fresh_archive_verifies(request, store_fixture):
    store = request.getfixturevalue(store_fixture)
    fresh_archive(store)
    report = verify_store(store)
    assert report.ok, report.faults
    # The aggregator's copy, its chrome stripped, holds the province's very text: two texts, three records.
    assert report.checked["text"] == 2 and report.checked["docs"] == 3 and report.checked["manifest lines"] == 3


def test_a_corrupted_text_on_s3_is_named(s3_store):
    fresh_archive(s3_store)
    key = next(s3_store.list("text/"))
    # On a versioned bucket an overwrite is a new version; readers get it, so verify must catch it.
    s3_store.put(key, "被篡改的文本".encode("utf-8"))
    report = verify_store(s3_store)
    assert [f.key for f in report.faults] == [key]
    assert "hashes to" in report.faults[0].problem


def test_bit_rot_in_a_local_text_is_named_by_wjw_verify(local_store):
    fresh_archive(local_store)
    key = next(local_store.list("text/"))
    path = local_store.root / key
    # Rot the file a reader opens without touching the kept version: replace it in place.
    os.chmod(path, 0o644)
    os.replace(_write(path.with_suffix(".rot"), path.read_bytes()[:-3] + b"X"), path)
    runner = CliRunner()
    result = runner.invoke(app, ["verify", "--store", str(local_store.root)])
    assert result.exit_code == 1
    assert key in result.output and "hashes to" in result.output


def test_a_manifest_naming_a_missing_version_fails(local_store):
    fresh_archive(local_store)
    report = verify_store(local_store)
    assert report.ok
    doc_key = next(local_store.list("docs/"))
    versions_dir = local_store.root / ".versions" / doc_key
    version = versions_dir / local_store.versions(doc_key)[0].version_id
    os.chmod(versions_dir, 0o755)
    version.rename(versions_dir / "lost")
    faults = verify_store(local_store).faults
    assert doc_key in {f.key for f in faults}
    assert any("does not resolve" in f.problem for f in faults)


def test_wjw_verify_passes_on_a_fresh_archive(local_store):
    fresh_archive(local_store)
    result = CliRunner().invoke(app, ["verify", "--store", str(local_store.root)])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output


def _write(path, data: bytes):
    path.write_bytes(data)
    return path
