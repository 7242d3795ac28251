"""Parse list pages fetched by `wjw sites check`: `python -m spiders.check PAGES.json OUT.json`.

The archive fetches without Scrapy (archive/ never imports it); the CMS
families' list parsers read Scrapy responses, so the check hands its pages to
this child process, one batch per check, and reads back what each parser saw:
the entries, and the requests for the pages after it (method, body and the
meta the parser needs to read them), so the check can walk one step further.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from spiders.platforms import FAMILIES, parser_for, scripted

# The request meta a parser reads back from the page after (JSON-safe): the data a script loads and a form's
# page number (scripted.py, pagers.py, any family), then each family's own (TRS's counting, Hanweb's dataproxy, ...).
CARRIED_META = ("wjw_list_data", "wjw_data_page", "wjw_data_size", "wjw_form_page",
                *(key for family in FAMILIES.values() for key in family.carried_meta))


def parse_page(page: dict[str, Any]) -> dict[str, Any]:
    """What a family's list parser finds on one fetched page: entry count, newest date, the requests after it."""
    body = base64.b64decode(page["body"])
    headers = page.get("headers") or {}
    kind = HtmlResponse if "html" in headers.get("Content-Type", "html").lower() else TextResponse
    meta = page.get("meta") or {}
    response = kind(url=page["url"], status=page.get("status", 200), headers=headers, body=body,
                    request=Request(page["url"], meta=meta))
    try:
        if "wjw_list_data" in meta:
            listed = scripted.parse_data(response, meta["wjw_list_data"])
        else:
            listed = parser_for(page["cms"]).parse(response)
    except (ValueError, AttributeError, TypeError, KeyError) as exc:  # JSON or markup the parser cannot read
        return {"entries": 0, "newest": None, "next_urls": [], "next": [], "urls": [],
                "error": f"unparseable list page: {exc}"[:200]}
    dates = [entry.date for entry in listed.entries if entry.date]
    return {
        "entries": len(listed.entries),
        "newest": max(dates) if dates else None,
        "urls": [entry.url for entry in listed.entries],
        "next_urls": [request.url for request in listed.next_requests],
        "next": [_request_spec(request) for request in listed.next_requests],
        "error": None,
    }


def _request_spec(request: Request) -> dict[str, Any]:
    return {
        "url": request.url, "method": request.method,
        "body": base64.b64encode(request.body or b"").decode("ascii"),
        "content_type": (request.headers.get(b"Content-Type") or b"").decode("latin-1"),
        "meta": {key: request.meta[key] for key in CARRIED_META if key in request.meta},
    }


def main(argv: list[str]) -> int:
    """Parse every page of the batch file and write the results, in order."""
    if len(argv) != 3:
        print("usage: python -m spiders.check PAGES.json OUT.json", file=sys.stderr)
        return 2
    pages = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    results = [parse_page(page) for page in pages]
    Path(argv[2]).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
