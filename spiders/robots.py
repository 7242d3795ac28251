"""robots.txt for every request, including the ones that arrive while robots.txt is still downloading."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class WaitingRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, without its race on concurrent first requests.

    Scrapy (2.19) parks the requests that arrive while a host's robots.txt is
    being fetched on one Deferred; the first waiter's callback returns None, so
    the second and later waiters get no parser and go out unchecked. A site's
    columns all start at once, so a disallowed third column would be crawled.
    Once the wait is over the parser is in `_parsers`: read it from there.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The host's parsed robots.txt, for every request that waited for it."""
        parser = await super().robot_parser(request)
        current = self._parsers.get(urlparse_cached(request).netloc)
        return parser if isinstance(current, Deferred) else current
