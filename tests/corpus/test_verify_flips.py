"""`wjw verify` finds a single flipped byte in every kind of object, on disk and on S3, and names the key.

The store is a small demo: two simweb sites crawled on day 0 and again on day
1 (so records have older versions), plus a lease. Each kind gets several
seeded flips, one at a time, each undone before the next.
"""

from __future__ import annotations

import json
import os
import random
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from typer.testing import CliRunner

from archive.corpus.verify import verify_store
from archive.registry import sites_from_rows
from archive.run.crawl import CrawlOptions
from archive.run.pipeline import run_pipeline
from archive.store import LocalStore, StoreError, open_store
from archive.store.keys import lease_key
from archive.store.s3 import SHA256_METADATA
from cli.main import app
from tests.simweb_helpers import FAST

NIGHTLY = CrawlOptions(mode="nightly", settings=FAST)
FLIPS_PER_KIND = 4
# Small simweb sites (9 plans each) whose plans include attachments, so the store has blobs.
DEMO_SITES = ("sim-jnq-wjj", "sim-zx-wjj")

# Every kind of object the store holds, by how its keys look.
KINDS = {
    "docs": lambda k: k.startswith("docs/"),
    "latest.json": lambda k: k == "manifests/latest.json",
    "manifest": lambda k: k.startswith("manifests/") and k.endswith(".jsonl.gz"),
    "state": lambda k: k.startswith("state/sites/"),
    "run report": lambda k: k.startswith("runs/") and k.endswith("/report.json"),
    "lease": lambda k: k.startswith("leases/"),
    "text": lambda k: k.startswith("text/"),
    "blobs": lambda k: k.startswith("blobs/"),
    "warc": lambda k: k.startswith("warc/"),
    "index": lambda k: k.startswith("index/"),
}


def build_demo(store, simweb) -> None:
    """Two small sites with attachments crawled on day 0 and day 1, and a lease as a live run leaves it."""
    sites = [s for s in sites_from_rows(simweb.registry_rows()) if s.id in DEMO_SITES]
    run_pipeline(store, sites, NIGHTLY)
    simweb.set_day(1)
    try:
        run_pipeline(store, sites, NIGHTLY)
    finally:
        simweb.set_day(0)
    lease = {"site": sites[0].id, "run_id": "20261203T000000Z-0000", "expires_at": "2026-12-03T01:00:00+00:00"}
    store.put(lease_key(sites[0].id), json.dumps(lease).encode("utf-8"), content_type="application/json")


def keys_by_kind(store) -> dict[str, list[str]]:
    keys = list(store.list(""))
    found = {kind: [k for k in keys if match(k)] for kind, match in KINDS.items()}
    missing = [kind for kind, ks in found.items() if not ks]
    assert not missing, f"the demo store has no {missing}"
    return found


@pytest.fixture(scope="module")
def demo_store(simweb, tmp_path_factory) -> LocalStore:
    store = LocalStore(tmp_path_factory.mktemp("flips") / "store")
    build_demo(store, simweb)
    return store


@contextmanager
def flipped(path: Path, position: int, mask: int) -> Iterator[None]:
    """XOR one byte of a (read-only) file in place, then put it back."""
    mode = stat.S_IMODE(path.stat().st_mode)
    os.chmod(path, mode | stat.S_IWUSR)
    try:
        with path.open("r+b") as f:
            f.seek(position)
            old = f.read(1)
            f.seek(position)
            f.write(bytes([old[0] ^ mask]))
        yield
    finally:
        with path.open("r+b") as f:
            f.seek(position)
            f.write(old)
        os.chmod(path, mode)


def test_a_clean_demo_store_verifies(demo_store):
    report = verify_store(demo_store)
    assert report.ok, report.faults
    assert set(KINDS) and keys_by_kind(demo_store)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_flipped_byte_in_any_local_object_is_named(demo_store, kind):
    rng = random.Random(f"flip-{kind}")
    keys = keys_by_kind(demo_store)[kind]
    detected = 0
    for _ in range(FLIPS_PER_KIND):
        key = rng.choice(keys)
        path = demo_store.root / key
        with flipped(path, rng.randrange(path.stat().st_size), rng.randrange(1, 256)):
            faults = verify_store(demo_store).faults
        assert key in {f.key for f in faults}, (key, faults)
        detected += 1
    print(f"kind={kind} flips={FLIPS_PER_KIND} verify_detected={detected / FLIPS_PER_KIND}")
    assert verify_store(demo_store).ok


def test_a_flipped_byte_in_an_old_version_is_named(demo_store):
    # A site's state is rewritten by each run that changes it; day 1 changed it.
    key = next(k for k in demo_store.list("") if len(demo_store.versions(k)) > 1)
    old = demo_store.versions(key)[-1].version_id
    path = demo_store.root / ".versions" / key / old
    with flipped(path, path.stat().st_size // 2, 0x01):
        faults = [f for f in verify_store(demo_store).faults if f.key == key]
    assert faults and any(old in f.problem for f in faults), faults


def test_a_published_year_flipped_is_named(demo_store):
    key = next(demo_store.list("docs/"))
    path = demo_store.root / key
    data = path.read_bytes()
    published = json.loads(data)["published"]
    position = data.index(f'"{published}"'.encode()) + 4  # the year's last digit
    digit = data[position]
    # 2019 → 2018 (or 2020 → 2021): still a valid record, still parses, still the same text.
    other = digit - 1 if digit > ord("0") else digit + 1
    with flipped(path, position, digit ^ other):
        assert json.loads(path.read_bytes())["published"] != published
        faults = verify_store(demo_store).faults
    assert key in {f.key for f in faults}


def test_wjw_verify_exits_1_naming_the_flipped_key(demo_store):
    key = next(demo_store.list("state/sites/"))
    path = demo_store.root / key
    with flipped(path, 10, 0x20):
        result = CliRunner().invoke(app, ["verify", "--store", str(demo_store.root)])
    assert result.exit_code == 1
    assert str(path) in result.output and "FAULT" in result.output


@pytest.mark.parametrize("where", ["missing", "empty"])
def test_wjw_verify_of_no_store_is_an_error(tmp_path, where):
    target = tmp_path / "no" / "such" / "dir"
    if where == "empty":
        target.mkdir(parents=True)
    with pytest.raises(StoreError, match="nothing to verify"):
        verify_store(LocalStore(target))
    result = CliRunner().invoke(app, ["verify", "--store", str(target)])
    assert result.exit_code != 0
    assert "ok:" not in result.output
    # One error line (the test console wraps it at 80 columns).
    assert result.output.startswith("error:") and "Traceback" not in result.output
    said = " ".join(result.output.split())
    assert str(target) in said and ("nothing to verify" in said or "no store at" in said)


@pytest.fixture(scope="module")
def s3_demo(simweb, seaweed):
    """The same demo in a fresh SeaweedFS bucket (the session's server)."""
    saved = {name: os.environ.get(name) for name in seaweed.env}
    os.environ.update(seaweed.env)
    bucket = f"wjw-flips-{uuid.uuid4().hex[:12]}"
    seaweed.create_bucket(bucket)
    store = open_store(f"s3://{bucket}")
    build_demo(store, simweb)
    try:
        yield store
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_a_clean_s3_demo_verifies(s3_demo):
    report = verify_store(s3_demo)
    assert report.ok, report.faults


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_rotted_newest_version_on_s3_is_named(s3_demo, kind):
    """Bytes that changed under their recorded sha256, as rot would leave them, through the API.

    (SeaweedFS itself CRC-checks what it stores, so rot on its disks reads back
    as an error instead; `test_rot_on_seaweed_disks_is_named` covers that.)
    """
    rng = random.Random(f"s3-flip-{kind}")
    key = rng.choice(keys_by_kind(s3_demo)[kind])
    full = s3_demo._full(key)
    original = s3_demo.client.get_object(Bucket=s3_demo.bucket, Key=full)
    assert len(original["Metadata"][SHA256_METADATA]) == 64, "every write records its sha256"
    data = bytearray(original["Body"].read())
    position = rng.randrange(len(data))
    data[position] ^= rng.randrange(1, 256)
    rotted = s3_demo.client.put_object(Bucket=s3_demo.bucket, Key=full, Body=bytes(data),
                                       Metadata=original["Metadata"])
    faults = [f for f in verify_store(s3_demo).faults if f.key == key]
    assert any(rotted["VersionId"] in f.problem and "recorded" in f.problem for f in faults), faults
    print(f"kind={kind} store=s3 verify_detected=1.0")


def test_rot_on_seaweed_disks_is_named(simweb, s3_store, seaweed):
    """A byte flipped inside SeaweedFS's volume file reads back as an error; verify names the key."""
    body = os.urandom(4096)
    key = "warc/2026/12/03/rot-test-site.warc.gz"
    s3_store.put(key, body)
    s3_store.put("state/sites/sound.json", b"{}")
    hits = [(path, path.read_bytes().find(body[:64])) for path in seaweed.data_dir.rglob("*.dat")]
    hits = [(path, at) for path, at in hits if at >= 0]
    assert hits, "the object's bytes were not found in SeaweedFS's volume files"
    path, at = hits[0]
    with path.open("r+b") as f:
        f.seek(at + 100)
        old = f.read(1)
        f.seek(at + 100)
        f.write(bytes([old[0] ^ 0x10]))
    # The store's client retries a 500 five times with backoff; one try says as much, sooner.
    s3_store.client = boto3.session.Session().client("s3", config=Config(retries={"mode": "standard",
                                                                                  "max_attempts": 1}))
    faults = verify_store(s3_store).faults
    assert key in {f.key for f in faults}
    assert "state/sites/sound.json" not in {f.key for f in faults}
