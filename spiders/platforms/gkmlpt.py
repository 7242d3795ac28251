"""Guangdong's gkmlpt (政府信息公开目录) JSON API: {total, articles} with epoch dates."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from scrapy import Request
from scrapy.http import Response

from spiders.platforms.base import (
    Body,
    Family,
    ListEntry,
    ListPage,
    ListParser,
    class_xpath,
)

_CHINA = timezone(timedelta(hours=8))


class GkmlptParser(ListParser):
    """Parse one page of /gkmlpt/api/all/<cat>?page=N and ask for the next."""

    def parse(self, response: Response) -> ListPage:
        """Entries of the articles, dated in China's time zone."""
        data = json.loads(response.text)
        articles = data.get("articles") or []
        page = ListPage()
        for article in articles:
            url, title = article.get("url"), (article.get("title") or "").strip()
            if not url or not title:
                continue
            stamp = article.get("create_time") or article.get("publish_time")
            date = datetime.fromtimestamp(int(stamp), _CHINA).date().isoformat() if stamp else None
            page.entries.append(ListEntry(url=response.urljoin(url), title=title, date=date))
        parts = urlsplit(response.url)
        query = parse_qs(parts.query)
        number = int(query.get("page", ["1"])[0])
        size = int(data.get("page_size") or len(articles) or 1)
        if articles and number * size < int(data.get("total") or 0):
            query["page"] = [str(number + 1)]
            page.next_requests.append(Request(urlunsplit(parts._replace(query=urlencode(query, doseq=True)))))
        return page


FAMILY = Family(
    name="gkmlpt", parser=GkmlptParser,
    detail_urls=(r"/post_\d+\.html$", r"/content/\d+/"),
    bodies=(Body("div.article-content", class_xpath("article-content")),),  # 广东政务公开目录
)
