"""Dispatch one request to a simulated site: robots.txt, the CMS family's pages, or a 404."""

from __future__ import annotations

from urllib.parse import parse_qsl

from simweb import hanweb, trs
from simweb.model import Site, World
from simweb.pages import Response, not_found, robots_txt

FAMILIES = {"trs": trs, "hanweb": hanweb}


def robots(site: Site) -> Response:
    """The site's robots.txt."""
    family = FAMILIES[site.cms]
    return robots_txt(site, [(family.column_path(c), c.robots_disallowed) for c in site.columns])


def list_urls(site: Site) -> list[tuple[str, str]]:
    """(column name, path of its first list page) for every column, in site order."""
    family = FAMILIES[site.cms]
    return [(column.name, family.list_url(column)) for column in site.columns]


def respond(world: World, site: Site, day: int, method: str, target: str, form: bytes = b"") -> Response:
    """The response a site gives on a day to `method target` (target = path plus query)."""
    path, _, query = target.partition("?")
    if path == "/robots.txt" and method in ("GET", "HEAD"):
        return robots(site)
    if site.cms == "trs":
        response = trs.route(world, site, day, path) if method in ("GET", "HEAD") else None
    else:
        # Hanweb's dataproxy takes its parameters from the query string and the form body alike.
        params = dict(parse_qsl(query))
        params.update(parse_qsl(form.decode("utf-8", "replace")))
        response = hanweb.route(world, site, day, "GET" if method == "HEAD" else method, path, params)
    return response or not_found(site)
