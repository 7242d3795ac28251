"""What every store offers: versioned keys, written once or rewritten, never deleted."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# S3's limit on a key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


class StoreError(Exception):
    """A store cannot do what was asked; the message says what and where."""


class KeyNotFound(StoreError):
    """No object (or no such version of it) under a key; `key` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class WriteConflict(StoreError):
    """A conditional write found the key changed since it was read."""


class InvalidKey(StoreError, ValueError):
    """A key that could escape the store or that S3 and a folder would read differently."""


@dataclass(frozen=True)
class PutResult:
    """What a write did: `written` is False when `if_absent` found the key taken."""

    key: str
    written: bool
    version_id: str | None


@dataclass(frozen=True)
class Version:
    """One stored version of a key; `modified` is timezone-aware."""

    version_id: str
    modified: datetime
    size: int
    is_latest: bool


def check_key(key: str) -> str:
    """Return `key` if it is a safe relative key (`docs/x.json`), else raise InvalidKey."""
    if not isinstance(key, str) or not key:
        raise InvalidKey(f"empty or non-text store key: {key!r}")
    if key.startswith("/") or key.endswith("/"):
        raise InvalidKey(f"store key {key!r} must not start or end with '/'")
    _check_text(key)
    for segment in key.split("/"):
        # Dot segments are refused outright: "..", "." and "" would escape or alias a
        # path, and ".versions"/".tmp" hold the local store's internals.
        if not segment or segment.startswith("."):
            raise InvalidKey(f"store key {key!r}: no part between slashes may be empty or start with '.'")
    return key


def check_prefix(prefix: str) -> str:
    """Return `prefix` if it can only select keys inside the store, else raise InvalidKey."""
    if prefix == "":
        return prefix
    if prefix.startswith("/"):
        raise InvalidKey(f"store prefix {prefix!r} must not start with '/'")
    _check_text(prefix)
    segments = prefix.split("/")
    # The last segment may be partial ("text/ab" selects text/ab*), but not a dot segment.
    for segment in segments[:-1]:
        if not segment or segment.startswith("."):
            raise InvalidKey(f"store prefix {prefix!r}: no part between slashes may be empty or start with '.'")
    if segments[-1].startswith("."):
        raise InvalidKey(f"store prefix {prefix!r} would select hidden or '..' names")
    return prefix


def _check_text(key: str) -> None:
    if _CONTROL.search(key):
        raise InvalidKey(f"store key {key!r} contains a control character or a backslash")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidKey(f"store key {key[:60]!r}… is longer than {MAX_KEY_BYTES} bytes")


class Store(ABC):
    """A local folder or an S3 prefix holding the archive's layout, every write kept as a version."""

    uri: str

    def __str__(self) -> str:
        return self.uri

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri!r})"

    @abstractmethod
    def put(self, key: str, data: bytes, *, if_absent: bool = False, content_type: str | None = None) -> PutResult:
        """Write `data` under `key` as its newest version; with `if_absent`, only if the key is new."""

    @abstractmethod
    def replace(self, key: str, data: bytes, previous: bytes, *, content_type: str | None = None) -> PutResult:
        """Write `data` under `key` only if its newest content is still `previous`; else raise WriteConflict.

        The read-modify-write of a shared record (a site's crawl state): two
        writers that read the same version cannot both win.
        """

    @abstractmethod
    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> PutResult:
        """Write a (possibly large) file under `key` without reading it into memory."""

    @abstractmethod
    def get(self, key: str, version_id: str | None = None) -> bytes:
        """The newest content of `key`, or the given version; KeyNotFound if there is none."""

    def get_to_file(self, key: str, path: Path) -> None:
        """Write the newest content of `key` to a local file, in chunks where the store can (a WARC)."""
        Path(path).write_bytes(self.get(key))

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether `key` has content."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with `prefix`, sorted."""

    @abstractmethod
    def versions(self, key: str) -> list[Version]:
        """Every version of `key`, newest first; empty for a key never written."""

    @abstractmethod
    def audit(self, key: str) -> list[str]:
        """Re-hash every version of `key` against the sha256 recorded when it was written; the problems found.

        The digest lives apart from the content (a local version's id, an S3
        object's metadata), so any flipped byte in any version is found.
        """

    @abstractmethod
    def describe_key(self, key: str) -> str:
        """Where `key` lives, for messages: a file path or an s3:// URL."""
