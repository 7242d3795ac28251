"""Canonical URLs: one document, one URL, whatever tracking parameters a link carries."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that say who sent the visitor, never which document: dropping
# them keeps `?utm_source=weixin` copies of a link from becoming new documents.
_TRACKING = {"from", "spm", "share", "isappinstalled", "scene", "srcid", "wfr", "timestamp", "_t", "t"}
_TRACKING_PREFIXES = ("utm_", "wx_", "share_")


def canonical_url(url: str) -> str:
    """The URL without fragment, tracking parameters or a default port; host lowercased."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def has_tracking_params(url: str) -> bool:
    """True when a URL carries a parameter that says who shared it rather than what it is."""
    return any(_is_tracking(key) for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in _TRACKING or key.startswith(_TRACKING_PREFIXES)
