"""Where the archive lives and how to reach its S3 server, as plain values.

The CLI needs none of this: its store is `--store` or `WJW_STORE`, and boto3
reads the AWS_* variables itself. The DAGs start from the same environment
(`StoreSettings.from_env()`), overlay what Airflow holds (Variable `wjw_store`,
connection `wjw_s3`) and pass the result in, so this module never imports Airflow.

| setting | environment | Airflow |
| --- | --- | --- |
| store URI | `WJW_STORE` | Variable `wjw_store` (or the DAG's `store` param) |
| S3 endpoint | `AWS_ENDPOINT_URL` | connection `wjw_s3`, extra `endpoint_url` |
| access key | `AWS_ACCESS_KEY_ID` | connection `wjw_s3`, login |
| secret key | `AWS_SECRET_ACCESS_KEY` | connection `wjw_s3`, password |
| region | `AWS_DEFAULT_REGION` | connection `wjw_s3`, extra `region_name` |
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterator, Mapping

if TYPE_CHECKING:  # the spider reads the User-Agent from here and should not pay for boto3
    from archive.store import Store

DEFAULT_STORE_URI = "wjw-data"

# What each S3 setting is called in the environment boto3 reads.
_AWS_ENV = {
    "endpoint_url": "AWS_ENDPOINT_URL",
    "access_key_id": "AWS_ACCESS_KEY_ID",
    "secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "region": "AWS_DEFAULT_REGION",
}
_ENV_LOCK = threading.Lock()


DEFAULT_USER_AGENT = "wjw/0.1 (+https://github.com/wjw-archive/wjw; archive of health-commission work plans)"


@dataclass(frozen=True)
class StoreSettings:
    """A store URI and, for `s3://` stores, the endpoint and credentials to reach it (None: boto3's defaults)."""

    uri: str = DEFAULT_STORE_URI
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    region: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StoreSettings:
        """The settings the CLI uses: `WJW_STORE` and the usual AWS variables."""
        environ = os.environ if environ is None else environ
        values = {name: environ.get(var) or None for name, var in _AWS_ENV.items()}
        return cls(uri=environ.get("WJW_STORE") or DEFAULT_STORE_URI, **values)

    def with_overrides(self, **values: str | None) -> StoreSettings:
        """These settings, with every given non-empty value taking precedence."""
        return replace(self, **{name: value for name, value in values.items() if value})

    def env(self) -> dict[str, str]:
        """The settings as environment variables, for a child process (the secret included)."""
        values = {var: getattr(self, name) for name, var in _AWS_ENV.items()}
        return {"WJW_STORE": self.uri} | {var: value for var, value in values.items() if value}

    def __repr__(self) -> str:
        # Settings end up in task logs; the secret must not.
        secret = "***" if self.secret_access_key else None
        return (f"StoreSettings(uri={self.uri!r}, endpoint_url={self.endpoint_url!r}, "
                f"access_key_id={self.access_key_id!r}, secret_access_key={secret!r}, region={self.region!r})")


def user_agent() -> str:
    """The crawler's honest User-Agent: who we are and where to read about it; WJW_USER_AGENT adds a contact."""
    return os.environ.get("WJW_USER_AGENT", DEFAULT_USER_AGENT)


def open_configured_store(settings: StoreSettings, *, allow_unversioned: bool = False) -> Store:
    """Open the store the settings name, reaching S3 with their endpoint and credentials."""
    from archive.store import open_store

    with _aws_environment(settings):
        # boto3 resolves endpoint, credentials and region when the client is made, in S3Store's
        # constructor; after that the store no longer reads the environment.
        return open_store(settings.uri, allow_unversioned=allow_unversioned)


@contextmanager
def _aws_environment(settings: StoreSettings) -> Iterator[None]:
    wanted = {var: getattr(settings, name) for name, var in _AWS_ENV.items() if getattr(settings, name)}
    with _ENV_LOCK:
        saved = {var: os.environ.get(var) for var in wanted}
        os.environ.update(wanted)
        try:
            yield
        finally:
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value
