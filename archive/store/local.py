"""The embedded store: a folder with the archive's layout and S3's version semantics.

`<root>/<key>` is always the newest content, so `cat` and `grep` work on the
archive. Every version, the newest included, is kept read-only under
`<root>/.versions/<key>/<version_id>`; the newest is a hard link to the same
bytes, so a large WARC is stored once. Version ids are
`<19-digit ns timestamp>-<sha256 of the content>`: they sort by time, show
which versions share content, and record the digest `audit` re-hashes every
version and the newest file against (stores written before the full digest
have ids ending in its first 8 hex digits, which are checked as far as they
go). Nothing is ever deleted.

Writers of one key take an exclusive `flock` on its `.versions/<key>` folder,
so threads and processes (the CLI crawls sites in parallel processes) write
`if_absent` keys exactly once and the newest version is always the one at
`<root>/<key>`. Content is staged in `<root>/.tmp` and moved in with rename,
so a reader never sees a half-written file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from archive.store.base import (
    KeyNotFound,
    PutResult,
    Store,
    StoreError,
    Version,
    WriteConflict,
    check_key,
    check_prefix,
)

VERSIONS_DIR = ".versions"
STAGING_DIR = ".tmp"

_VERSION_ID = re.compile(r"\d{19}-(?:[0-9a-f]{64}|[0-9a-f]{8})")
_CHUNK = 1 << 20


class LocalStore(Store):
    """A store in a local folder, created on the first write."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().absolute()
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root} is a file, not a store folder")
        self.uri = str(self.root)

    def put(self, key: str, data: bytes, *, if_absent: bool = False, content_type: str | None = None) -> PutResult:
        """Write `data` under `key` as its newest version; with `if_absent`, only if the key is new.

        A folder has nowhere to keep `content_type`; readers go by the key's suffix.
        """
        check_key(key)
        if if_absent and self.exists(key):
            return PutResult(key, written=False, version_id=None)
        staged, digest = self._stage([data])
        return self._commit(key, staged, digest, if_absent)

    def replace(self, key: str, data: bytes, previous: bytes, *, content_type: str | None = None) -> PutResult:
        """Write `data` under `key` only if its newest content is still `previous` (checked under the key's lock)."""
        check_key(key)
        staged, digest = self._stage([data])
        return self._commit(key, staged, digest, if_absent=False, previous=previous)

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> PutResult:
        """Copy the file at `path` under `key` as its newest version, in chunks."""
        check_key(key)
        try:
            staged, digest = self._stage(_chunks(Path(path)))
        except FileNotFoundError:
            raise StoreError(f"{path}: no such file to store as {key}") from None
        return self._commit(key, staged, digest, if_absent=False)

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """The newest content of `key`, or the given version; KeyNotFound if there is none."""
        check_key(key)
        if version_id is None:
            path = self.root / key
        elif _VERSION_ID.fullmatch(version_id):
            path = self.root / VERSIONS_DIR / key / version_id
        else:
            raise KeyNotFound(key, f"{self.describe_key(key)}: no version {version_id!r}")
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            what = "no such key" if version_id is None else f"no version {version_id!r}"
            raise KeyNotFound(key, f"{self.describe_key(key)}: {what}") from None

    def exists(self, key: str) -> bool:
        """Whether `key` has content."""
        check_key(key)
        return (self.root / key).is_file()

    def get_to_file(self, key: str, path: Path) -> None:
        """Copy the newest content of `key` to `path`, in chunks."""
        check_key(key)
        try:
            shutil.copyfile(self.root / key, path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise KeyNotFound(key, f"{self.describe_key(key)}: no such key") from None

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with `prefix`, sorted; the store's hidden folders are skipped."""
        check_prefix(prefix)
        folder = prefix.rpartition("/")[0]
        keys = []
        for dirpath, dirnames, filenames in os.walk(self.root / folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            base = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                key = name if base == "." else f"{base}/{name}"
                if not name.startswith(".") and key.startswith(prefix):
                    keys.append(key)
        # Code-point order is UTF-8 byte order, the order S3 lists in.
        return iter(sorted(keys))

    def versions(self, key: str) -> list[Version]:
        """Every version of `key`, newest first; empty for a key never written through the store."""
        check_key(key)
        folder = self.root / VERSIONS_DIR / key
        found = []
        for index, version_id in enumerate(_version_ids(folder)):
            ns = int(version_id[:19])
            found.append(Version(
                version_id=version_id,
                modified=datetime.fromtimestamp(ns / 1e9, tz=timezone.utc),
                size=(folder / version_id).stat().st_size,
                is_latest=index == 0,
            ))
        return found

    def describe_key(self, key: str) -> str:
        """The file holding the newest content of `key`."""
        return str(self.root / key)

    def audit(self, key: str) -> list[str]:
        """Re-hash every kept version and the newest file of `key` against the digests in the version ids."""
        check_key(key)
        folder = self.root / VERSIONS_DIR / key
        ids = _version_ids(folder)
        if not ids:
            return [f"no version kept under {VERSIONS_DIR}/, so no digest to check its content against"]
        problems = []
        for version_id in ids:
            actual = _file_sha256(folder / version_id)
            if not _matches(version_id, actual):
                problems.append(f"version {version_id} hashes to {actual}, not to the digest in its version id")
        latest, newest = self.root / key, folder / ids[0]
        # The newest file is normally a hard link to the newest version, already hashed.
        if latest.is_file() and not os.path.samefile(latest, newest):
            actual = _file_sha256(latest)
            if not _matches(ids[0], actual):
                problems.append(f"content hashes to {actual}, not to the digest of its newest version {ids[0]}")
        return problems

    def _stage(self, chunks: Iterable[bytes]) -> tuple[Path, str]:
        """Write `chunks` to a new file in the staging folder; return it and its sha256."""
        staging = self.root / STAGING_DIR
        staging.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, name = tempfile.mkstemp(dir=staging, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            os.unlink(name)
            raise
        return Path(name), digest.hexdigest()

    def _commit(self, key: str, staged: Path, digest: str, if_absent: bool, previous: bytes | None = None) -> PutResult:
        latest = self.root / key
        folder = self.root / VERSIONS_DIR / key
        try:
            # On disk a name is a file or a folder, never both (S3 allows `docs` beside `docs/a.json`).
            if latest.is_dir():
                raise StoreError(f"{self.describe_key(key)}: cannot be a key, it is a folder of other keys")
            try:
                latest.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise StoreError(f"{self.describe_key(key)}: cannot be a key, a folder on its path is a key") from None
            folder.mkdir(parents=True, exist_ok=True)
            with _locked(folder):
                if if_absent and latest.exists():
                    return PutResult(key, written=False, version_id=None)
                if previous is not None and (not latest.exists() or latest.read_bytes() != previous):
                    raise WriteConflict(f"{self.describe_key(key)}: changed since it was read; another writer won")
                previous = _version_ids(folder)
                if latest.exists() and not previous:
                    previous = [_adopt(latest, folder)]
                version_id = _next_version_id(previous[0] if previous else None, digest)
                version = folder / version_id
                os.chmod(staged, 0o444)
                os.rename(staged, version)
                self._publish(version, latest)
                return PutResult(key, written=True, version_id=version_id)
        finally:
            staged.unlink(missing_ok=True)

    def _publish(self, version: Path, latest: Path) -> None:
        """Make `latest` show `version`, atomically."""
        name = self.root / STAGING_DIR / f"latest-{secrets.token_hex(8)}"
        try:
            os.link(version, name)
        except OSError:
            # A filesystem without hard links (FAT, some network mounts) gets a copy.
            shutil.copyfile(version, name)
        os.replace(name, latest)


@contextmanager
def _locked(folder: Path):
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            yield chunk


def _version_ids(folder: Path) -> list[str]:
    """The version ids kept in `folder`, newest first."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted((n for n in names if _VERSION_ID.fullmatch(n)), reverse=True)


def _next_version_id(newest: str | None, digest: str) -> str:
    ns = time.time_ns()
    if newest is not None:
        # Strictly after the newest even if the clock stepped back.
        ns = max(ns, int(newest[:19]) + 1)
    return f"{ns:019d}-{digest}"


def _matches(version_id: str, sha256: str) -> bool:
    """Whether content hashing to `sha256` is what `version_id` recorded (all 64 hex digits, or an old id's 8)."""
    return sha256.startswith(version_id[20:])


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def _adopt(latest: Path, folder: Path) -> str:
    """Keep a file that was put in by hand as the key's first version, so a rewrite never loses it."""
    version_id = f"{latest.stat().st_mtime_ns:019d}-{_file_sha256(latest)}"
    shutil.copyfile(latest, folder / version_id)
    os.chmod(folder / version_id, 0o444)
    return version_id
