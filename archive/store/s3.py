"""The production store: a prefix in a versioned S3 bucket, reached through boto3.

boto3 reads its usual configuration: AWS_ENDPOINT_URL (SeaweedFS, MinIO),
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, profiles.

Every write records the sha256 of its bytes twice: as user metadata
`x-amz-meta-sha256` (hex), which `audit` re-hashes each version against
whatever the server, and as the S3 checksum `ChecksumSHA256` on single PUTs,
so the server refuses bytes damaged on the way (AWS, MinIO and SeaweedFS 4.48
check it). SeaweedFS also checks each stored needle's CRC, so bytes rotted on
its disks come back as an error, which `audit` reports as unreadable.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

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

_NOT_FOUND = {"NoSuchKey", "NoSuchVersion", "NotFound", "404"}
# AWS answers 409 to a conditional write racing another on the same key; the retry then gets 412.
_CONDITIONAL_RETRIES = 5
SHA256_METADATA = "sha256"
_CHUNK = 1 << 20


class S3Store(Store):
    """A store under `s3://bucket/prefix`; refuses a bucket without versioning unless told."""

    # Files above this go up in parts (S3's single PUT stops at 5 GiB); smaller ones in one PUT,
    # which returns the new version id directly.
    multipart_threshold = 256 * 1024 * 1024

    def __init__(self, bucket: str, prefix: str = "", *, allow_unversioned: bool = False) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.uri = f"s3://{bucket}/{self.prefix}".rstrip("/")
        # One session per store: boto3 sessions are not thread-safe, its clients are.
        self.client = boto3.session.Session().client(
            "s3", config=Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32))
        self._check_versioning(allow_unversioned)

    def put(self, key: str, data: bytes, *, if_absent: bool = False, content_type: str | None = None) -> PutResult:
        """Write `data` under `key` as a new version; with `if_absent`, only if the key is new."""
        request = {"Bucket": self.bucket, "Key": self._full(key), "Body": data, **_sealed(hashlib.sha256(data).digest())}
        if content_type:
            request["ContentType"] = content_type
        if not if_absent:
            with self._errors(key):
                response = self.client.put_object(**request)
            return PutResult(key, written=True, version_id=response.get("VersionId"))
        # If-None-Match makes the existence check and the write one atomic step on the server
        # (AWS since 2024; SeaweedFS 4.48 honours it, versioned bucket or not), so racing
        # writers of one content-addressed key store it exactly once.
        request["IfNoneMatch"] = "*"
        for attempt in range(_CONDITIONAL_RETRIES):
            try:
                with self._errors(key):
                    response = self.client.put_object(**request)
                return PutResult(key, written=True, version_id=response.get("VersionId"))
            except _Conditional as refused:
                if refused.code == "PreconditionFailed":
                    return PutResult(key, written=False, version_id=None)
                time.sleep(0.1 * 2**attempt)
        raise StoreError(f"{self.describe_key(key)}: conditional write kept conflicting; try again")

    def replace(self, key: str, data: bytes, previous: bytes, *, content_type: str | None = None) -> PutResult:
        """Write `data` under `key` only if its newest content is still `previous` (If-Match on its ETag)."""
        # A single-part object's ETag is the MD5 of its bytes, so the expected ETag
        # follows from what was read; S3 (since 2024) and SeaweedFS 4.48 honour If-Match.
        request = {"Bucket": self.bucket, "Key": self._full(key), "Body": data, **_sealed(hashlib.sha256(data).digest()),
                   "IfMatch": f'"{hashlib.md5(previous, usedforsecurity=False).hexdigest()}"'}
        if content_type:
            request["ContentType"] = content_type
        try:
            with self._errors(key):
                response = self.client.put_object(**request)
        except _Conditional as refused:
            raise WriteConflict(f"{self.describe_key(key)}: changed since it was read ({refused.code})") from None
        except KeyNotFound:
            raise WriteConflict(f"{self.describe_key(key)}: gone since it was read") from None
        return PutResult(key, written=True, version_id=response.get("VersionId"))

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> PutResult:
        """Upload the file at `path` under `key`, streamed, in parts if it is large."""
        path = Path(path)
        extra = {"ContentType": content_type} if content_type else {}
        try:
            size = path.stat().st_size
            digest = _file_sha256(path)
        except FileNotFoundError:
            raise StoreError(f"{path}: no such file to store as {key}") from None
        sealed = _sealed(digest)
        with self._errors(key):
            if size <= self.multipart_threshold:
                with path.open("rb") as body:
                    response = self.client.put_object(Bucket=self.bucket, Key=self._full(key), Body=body,
                                                      **sealed, **extra)
                return PutResult(key, written=True, version_id=response.get("VersionId"))
            config = TransferConfig(multipart_threshold=self.multipart_threshold,
                                    multipart_chunksize=max(self.multipart_threshold // 4, 8 * 1024 * 1024))
            # A multipart upload's S3 checksum is a checksum of part checksums; the metadata holds the whole file's.
            extra["Metadata"] = sealed["Metadata"]
            self.client.upload_file(str(path), self.bucket, self._full(key), ExtraArgs=extra, Config=config)
            # The managed upload does not return the version it made; keys written with
            # put_file (WARCs) are unique per run, so the newest version is ours.
            head = self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        return PutResult(key, written=True, version_id=head.get("VersionId"))

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """The newest content of `key`, or the given version; KeyNotFound if there is none."""
        request = {"Bucket": self.bucket, "Key": self._full(key)}
        if version_id is not None:
            request["VersionId"] = version_id
        with self._errors(key, version_id):
            return self.client.get_object(**request)["Body"].read()

    def get_to_file(self, key: str, path: Path) -> None:
        """Download the newest content of `key` to `path`, streamed."""
        with self._errors(key), Path(path).open("wb") as out:
            body = self.client.get_object(Bucket=self.bucket, Key=self._full(key))["Body"]
            for chunk in body.iter_chunks(1 << 20):
                out.write(chunk)

    def exists(self, key: str) -> bool:
        """Whether `key` has content."""
        try:
            with self._errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        except KeyNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with `prefix`, sorted (S3 lists in UTF-8 byte order)."""
        check_prefix(prefix)
        return self._list(prefix)

    def _list(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        with self._errors(None):
            for page in pages:
                for entry in page.get("Contents", ()):
                    yield entry["Key"][len(self.prefix):]

    def versions(self, key: str) -> list[Version]:
        """Every version of `key`, newest first (the order S3 lists them in); empty if never written."""
        full = self._full(key)
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=full)
        found = []
        with self._errors(key):
            for page in pages:
                # Delete markers are skipped: the archive never deletes, and a marker has no content.
                for entry in page.get("Versions", ()):
                    if entry["Key"] == full:
                        found.append(Version(
                            version_id=entry["VersionId"],
                            modified=entry["LastModified"].astimezone(timezone.utc),
                            size=entry["Size"],
                            is_latest=entry["IsLatest"],
                        ))
        return found

    def audit(self, key: str) -> list[str]:
        """Re-read every version of `key` and re-hash it against the sha256 in its metadata."""
        problems = []
        for version in self.versions(key):
            try:
                with self._errors(key, version.version_id):
                    response = self.client.get_object(Bucket=self.bucket, Key=self._full(key),
                                                      VersionId=version.version_id)
                    digest = hashlib.sha256()
                    for chunk in response["Body"].iter_chunks(_CHUNK):
                        digest.update(chunk)
            except KeyNotFound:
                problems.append(f"version {version.version_id} is listed but cannot be read")
                continue
            except StoreError as exc:
                problems.append(f"version {version.version_id} unreadable: {exc}")
                continue
            recorded = response.get("Metadata", {}).get(SHA256_METADATA)
            if recorded is None:
                problems.append(f"version {version.version_id} has no sha256 in its metadata to check it against")
            elif digest.hexdigest() != recorded:
                problems.append(f"version {version.version_id} hashes to {digest.hexdigest()}, "
                                f"not to the sha256 recorded when it was written ({recorded})")
        return problems

    def describe_key(self, key: str) -> str:
        """The s3:// URL of `key`."""
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def _full(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _check_versioning(self, allow_unversioned: bool) -> None:
        with self._errors(None):
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
        if status != "Enabled" and not allow_unversioned:
            state = "versioning suspended" if status == "Suspended" else "no versioning"
            raise StoreError(f"bucket {self.bucket} has {state}; enable it or pass --allow-unversioned "
                             "(without it, rewriting a document loses its history)")

    @contextmanager
    def _errors(self, key: str | None, version_id: str | None = None):
        """Turn boto3's errors into StoreErrors that say which key, bucket or endpoint failed."""
        where = self.describe_key(key) if key is not None else f"s3://{self.bucket}"
        try:
            yield
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise _Conditional(code) from None
            if code in _NOT_FOUND and key is not None:
                what = "no such key" if version_id is None else f"no version {version_id!r}"
                raise KeyNotFound(key, f"{where}: {what}") from None
            if code == "NoSuchBucket":
                raise StoreError(f"bucket {self.bucket} does not exist at {self.client.meta.endpoint_url}; "
                                 "create it with versioning enabled") from None
            message = exc.response.get("Error", {}).get("Message", "")
            raise StoreError(f"{where}: {code or 'error'} {message}".strip()) from None
        except NoCredentialsError:
            raise StoreError(f"{where}: no S3 credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                             "(or an AWS profile)") from None
        except BotoCoreError as exc:
            raise StoreError(f"{where}: {exc} (endpoint {self.client.meta.endpoint_url}; "
                             "set AWS_ENDPOINT_URL for a server other than AWS)") from None


def _sealed(sha256: bytes) -> dict:
    """The request fields that record a write's sha256: metadata for audits, a checksum for the server."""
    return {"Metadata": {SHA256_METADATA: sha256.hex()},
            "ChecksumSHA256": base64.b64encode(sha256).decode("ascii")}


def _file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.digest()


class _Conditional(Exception):
    """A conditional write was refused (412) or collided with another (409)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
