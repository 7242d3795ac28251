"""One store for the archive's layout, in a local folder or under an S3 prefix.

`open_store("wjw-data")`, `open_store("file:///srv/wjw")` and
`open_store("s3://bucket/prefix")` give the same API and the same version
semantics: rewriting a key keeps the old content readable by version id.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from archive.store.base import (
    InvalidKey,
    KeyNotFound,
    PutResult,
    Store,
    StoreError,
    Version,
    WriteConflict,
)
from archive.store.local import LocalStore

__all__ = ["InvalidKey", "KeyNotFound", "LocalStore", "PutResult", "S3Store", "Store", "StoreError", "Version",
           "WriteConflict", "open_store"]


def __getattr__(name: str):
    # S3Store is imported when first asked for: boto3 costs a second of start-up that a local store never needs.
    if name == "S3Store":
        from archive.store.s3 import S3Store

        return S3Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(uri: str, *, allow_unversioned: bool = False) -> Store:
    """Open a store: a folder path, `file://` URL or `s3://bucket/prefix`."""
    if not uri:
        raise StoreError("no store given: pass a folder, file:// URL or s3://bucket/prefix")
    parts = urlsplit(uri)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StoreError(f"{uri}: no bucket; write s3://bucket or s3://bucket/prefix")
        from archive.store.s3 import S3Store

        return S3Store(parts.netloc, unquote(parts.path), allow_unversioned=allow_unversioned)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise StoreError(f"{uri}: a file:// store must be on this machine (file:///path)")
        return LocalStore(unquote(parts.path))
    if "://" in uri:
        raise StoreError(f"{uri}: unsupported store; use a folder, file:// or s3://")
    return LocalStore(uri)
