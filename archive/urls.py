"""Canonical URLs: one document, one URL, whatever tracking parameters a link carries."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

# Parameters that say who sent the visitor, never which document: dropping
# them keeps `?utm_source=weixin` copies of a link from becoming new documents.
_TRACKING = {"from", "spm", "share", "isappinstalled", "scene", "srcid", "wfr", "timestamp", "_t", "t"}
_TRACKING_PREFIXES = ("utm_", "wx_", "share_")


def canonical_url(url: str) -> str:
    """The URL without fragment, tracking parameters or a default port; host lowercased.

    The query keeps its bytes: a value percent-encoded in GBK (``lb=%CD%A8%D6%AA``)
    is the site's own name for a column, and decoding it as UTF-8 to re-encode it
    would turn it into U+FFFD and ask the server for a page that does not exist.
    """
    parts = urlsplit(url.strip())
    pairs = [pair for pair in parts.query.split("&") if pair and not _is_tracking(_key(pair))]
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", "&".join(pairs), ""))


def has_tracking_params(url: str) -> bool:
    """True when a URL carries a parameter that says who shared it rather than what it is."""
    return any(_is_tracking(_key(pair)) for pair in urlsplit(url).query.split("&") if pair)


def _key(pair: str) -> str:
    # Keys are ASCII on every site seen; only they are decoded, and only to be compared.
    return unquote(pair.partition("=")[0].replace("+", " "), errors="replace")


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in _TRACKING or key.startswith(_TRACKING_PREFIXES)
