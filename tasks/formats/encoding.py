"""Bytes to text: declared or detected encoding, so Latin-1 and cp1252 files read right."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

#: ``<meta charset>``, ``http-equiv`` content type or an XML declaration near the start.
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


#: WHATWG's default legacy encoding; short Western texts fit several code pages equally.
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_WESTERN_SLACK = 0.1


def _declared(data: bytes) -> str | None:
    """The encoding a page or feed declares, if Python knows it."""
    match = _DECLARED.search(data[:2048])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding used: BOM, then valid UTF-8, then declared, then detected.

    A declaration is trusted only when the bytes decode under it, and mojibake left by a
    wrong declaration upstream is repaired later by ``tasks.text.clean`` (ftfy).
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _declared(data)
    if declared and declared not in {"utf-8", "utf-16", "utf-32"}:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return data.decode("cp1252", errors="replace"), "cp1252"
    western = next((m for m in matches if m.encoding in _WESTERN), None)
    if western is not None and western.chaos <= best.chaos + _WESTERN_SLACK:
        return str(western), western.encoding
    return str(best), best.encoding
