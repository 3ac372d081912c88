"""Canonical URLs: the same article reached through a newsletter or a feed is one URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

#: Query parameters that identify a campaign or a click, never the page.
_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|"
    r"mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|ocid|xtor|at_\w+|ito|cmpid|ncid|"
    r"sr_share|smid|ref_src|vero_\w+|oly_\w+|rss|wt_\w+|wt\.\w+)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Characters a path keeps as they are; anything else is percent-encoded once.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def absolute(href: str | None, base: str | None) -> str | None:
    """``href`` resolved against the page's URL; unchanged when there is no base."""
    if not href or not href.strip():
        return None
    return urljoin(base, href.strip()) if base else href.strip()


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, fragment or tracking parameters.

    Anything that is not an absolute http(s) URL is not a canonical URL: ``None``.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(name)
    ]
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    return urlunsplit((scheme, host, path, urlencode(query), ""))
