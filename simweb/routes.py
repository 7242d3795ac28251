"""Dispatch one request to a simulated site: robots.txt, faults, attachments, the CMS family's pages, or a 404."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from simweb import faults
from simweb.attachments import render
from simweb.families import FAMILIES, family_of
from simweb.model import Site, World
from simweb.pages import Response, not_found, robots_txt


def robots(site: Site) -> Response:
    """The site's robots.txt."""
    family = family_of(site)
    return robots_txt(site, [(family.column_path(c), c.robots_disallowed) for c in site.columns])


def list_urls(site: Site) -> list[tuple[str, str]]:
    """(column name, path of its first list page) for every column, in site order."""
    family = family_of(site)
    return [(column.name, family.list_url(column, 0, site)) for column in site.columns]


def _page(world: World, site: Site, day: int, method: str, target: str, form: bytes, host: str) -> Response | None:
    path, _, query = target.partition("?")
    if path == "/robots.txt" and method in ("GET", "HEAD"):
        return robots(site)
    removed = faults.removed_response(world, site, day, path)
    if removed:
        return removed
    owner = world.attachment_at(site.id, target) or world.attachment_at(site.id, path)
    if owner is not None and owner.exists_on(day) and method in ("GET", "HEAD"):
        attachment = owner.attachment
        return Response(200, render(attachment), attachment.content_type, owner.revisions[0].modified)
    get = "GET" if method == "HEAD" else method
    if site.cms == "trs":
        return FAMILIES["trs"].route(world, site, day, path) if get == "GET" else None
    # Hanweb's dataproxy takes its parameters from the query string and the form body alike.
    # Sites read a query in their own encoding: a GBK site's 通知公告 is %CD%A8%D6%AA%B9%AB%B8%E6.
    params = dict(parse_qsl(query, encoding=site.body_encoding, errors="replace"))
    params.update(parse_qsl(form.decode("utf-8", "replace")))
    if site.cms == "gkmlpt":
        return FAMILIES["gkmlpt"].route(world, site, day, get, path, params, host)
    return family_of(site).route(world, site, day, get, path, params)


def respond(world: World, site: Site, day: int, method: str, target: str, form: bytes = b"",
            headers: Mapping[str, str] | None = None) -> Response:
    """The response a site gives on a day to `method target` (target = path plus query), faults included."""
    headers = headers or {}
    path, _, query = target.partition("?")
    spoiled = faults.before(world, site, day, path, query, headers.get("Cookie", ""))
    if spoiled is not None:
        return spoiled
    host = headers.get("Host", "") or site.domain
    response = _page(world, site, day, method, target, form, host) or not_found(site)
    return faults.after(world, site, day, path, response)


__all__ = ["list_urls", "respond", "robots"]
