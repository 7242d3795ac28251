"""`wjw serve`: the corpus in a browser, read-only, server-rendered (Starlette and Jinja2, inline SVG, no JavaScript)."""

from archive.corpus.web.app import create_app

__all__ = ["create_app"]
