"""Retries that wait: exponential backoff on 5xx and timeouts, and Retry-After honoured."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings

from spiders.render import failure_of


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but a retried request waits: Retry-After when the server sends one, else 2ⁿ × base."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("WJW_RETRY_BACKOFF_BASE", 1.0)
        self.max_wait = settings.getfloat("WJW_RETRY_MAX_WAIT", 120.0)

    async def process_response(self, request: Request, response: Response, spider: Spider | None = None):
        """Retry a retryable status after the wait the server asked for, or a backoff."""
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await asyncio.sleep(self._wait(request, response))
        return result

    async def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None):
        """Retry a timeout or dropped connection after a backoff (behind a browser too: spiders/render.py)."""
        result = super().process_exception(request, failure_of(request, exception))
        if isinstance(result, Request):
            await asyncio.sleep(self._wait(request, None))
        return result

    def _wait(self, request: Request, response: Response | None) -> float:
        if response is not None:
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None:
                return min(asked, self.max_wait)
        return min(self.backoff_base * 2 ** request.meta.get("retry_times", 0), self.max_wait)


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
