"""Shared fixtures: the stores, the real S3 server (SeaweedFS on loopback) behind `s3_store`, and Chromium."""

from __future__ import annotations

import os
import uuid

import pytest

from testkit.seaweed import SeaweedServer
from archive.run.browser import RenderUnavailable, find_chromium
from archive.store import LocalStore, S3Store, open_store


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory) -> SeaweedServer:
    """One SeaweedFS server for the whole test session, started on first use."""
    with SeaweedServer(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def s3_store(seaweed, monkeypatch) -> S3Store:
    """A fresh versioned bucket, opened the way `wjw` opens one: through the AWS_* environment.

    `s3_store.env` holds those variables, for tests that start child processes.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    for name, value in seaweed.env.items():
        monkeypatch.setenv(name, value)
    bucket = f"wjw-test-{uuid.uuid4().hex[:12]}"
    seaweed.create_bucket(bucket)
    store = open_store(f"s3://{bucket}")
    store.env = dict(seaweed.env)
    return store


@pytest.fixture
def local_store(tmp_path) -> LocalStore:
    """A store in a fresh folder."""
    return open_store(str(tmp_path / "store"))


@pytest.fixture(scope="session")
def simweb():
    """The simulated commission sites on loopback, day 0; tests that change the day put it back."""
    from simweb import SimWeb, build_world

    with SimWeb(build_world(), day=0) as web:
        yield web


@pytest.fixture
def chromium():
    """The browser binary, or a skip (a failure under CI, which installs it)."""
    try:
        return find_chromium()
    except RenderUnavailable as exc:
        if os.environ.get("WJW_REQUIRE_CHROMIUM"):
            pytest.fail(f"CI installs Chromium (.ci/run), yet: {exc}")
        pytest.skip(str(exc))
