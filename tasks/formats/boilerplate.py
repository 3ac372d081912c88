"""Boilerplate that survives extraction: placeholders, teasers, share, newsletter, cookie blocks.

Scrapes keep them as plain lines and even a good HTML extractor lets some through, so
every reader's blocks pass through ``sift``. Nothing is dropped silently: each removed
block is reported on the article with its kind, and teasers become related links.
Vocabulary covers English, French, German and Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from schemas import RelatedLink, RemovedBlock
from schemas.article import RemovedKind
from tasks.formats.extracted import Block, Extracted
from tasks.text import strip_emphasis

#: Whole blocks a scraper leaves where a picture, an ad or a widget was.
PLACEHOLDERS: dict[str, RemovedKind] = {
    **dict.fromkeys(
        [
            "thumbnail",
            "image",
            "photo",
            "picture",
            "video",
            "vidéo",
            "miniature",
            "illustration",
            "bild",
            "foto",
            "imagen",
            "fotografía",
            "miniatura",
            "vídeo",
        ],
        "placeholder",
    ),
    **dict.fromkeys(
        [
            "advertisement",
            "publicité",
            "anzeige",
            "werbung",
            "publicidad",
            "anuncio",
            "sponsored",
            "ad",
        ],
        "advertisement",
    ),
    **dict.fromkeys(
        [
            "share",
            "share this",
            "share this article",
            "share this story",
            "partager",
            "partager cet article",
            "teilen",
            "artikel teilen",
            "compartir",
            "compartir este artículo",
            "compartir en redes sociales",
        ],
        "share",
    ),
}
#: Headings after which a page lists other articles, not this one.
RELATED_MARKERS = frozenset(
    {
        "related posts",
        "related articles",
        "related stories",
        "related",
        "read more",
        "read also",
        "see also",
        "more stories",
        "more on this story",
        "you may also like",
        "recommended",
        "most read",
        "à lire aussi",
        "lire aussi",
        "à lire également",
        "articles similaires",
        "sur le même sujet",
        "vous aimerez aussi",
        "nos autres articles",
        "les plus lus",
        "mehr zum thema",
        "lesen sie auch",
        "das könnte sie auch interessieren",
        "weitere artikel",
        "verwandte artikel",
        "auch interessant",
        "meistgelesen",
        "noticias relacionadas",
        "artículos relacionados",
        "te puede interesar",
        "también te puede interesar",
        "lee también",
        "más noticias",
        "lo más leído",
    }
)
#: A one-line pointer to another article inside the body (``Read more: <title>``) and the
#: words it starts with.
_INLINE_LEADS = (
    "read more", "read also", "see also", "related", "more", "lire aussi", "à lire aussi",
    "lire également", "voir aussi", "à voir aussi", "lesen sie auch", "mehr zum thema",
    "auch interessant", "mehr dazu", "lee también", "leer más", "más información",
    "ver también", "te puede interesar", "también te puede interesar",
)  # fmt: skip
_INLINE_RELATED = re.compile(
    f"^(?:{'|'.join(_INLINE_LEADS)})" r"\s*[:：—–-]\s*(?P<title>.+)$", re.IGNORECASE
)
#: Sentences that give a block away as a banner, whatever the language, each with the
#: words one of which any match contains (lower case), so most blocks skip the pattern.
_PATTERNS: list[tuple[RemovedKind, tuple[str, ...], re.Pattern[str]]] = [
    (
        "cookie",
        ("cookie",),
        re.compile(
            r"\b(?:we|this (?:site|website)|nous|ce site|wir|diese (?:website|seite)|"
            r"utilizamos|usamos|este sitio)\b.{0,80}\bcookies?\b|"
            r"\b(?:accept|accepter|akzeptieren|aceptar)\b.{0,30}\bcookies\b|"
            r"\bcookies?\b.{0,30}\b(?:akzeptieren|accept|accepter|aceptar)\b|"
            r"\b(?:cookie|cookies) (?:policy|settings|preferences)\b|"
            r"\bpolitique (?:de|des|relative aux) cookies\b|\bpolítica de cookies\b",
            re.IGNORECASE,
        ),
    ),
    (
        "newsletter",
        ("lett", "bolet", "inbox", "boîte"),
        re.compile(
            r"\b(?:sign up|subscribe|inscrivez-vous|abonnez-vous|abonnieren|"
            r"suscríbete|suscribete|apúntate|recevez)\b.{0,80}\b(?:newsletters?|lettre|"
            r"boletín|inbox|boîte mail)\b|"
            r"\bnewsletters?\b.{0,40}\b(?:abonnieren|bestellen|inscri\w*|s'abonner)\b|"
            r"\bin your inbox\b",
            re.IGNORECASE,
        ),
    ),
    (
        "share",
        ("share", "partager", "teilen", "compartir"),
        re.compile(
            r"^(?:share|partager|teilen|compartir)\b.{0,40}\b(?:facebook|twitter|x|whatsapp|"
            r"linkedin|e-?mail|courriel|correo)\b",
            re.IGNORECASE,
        ),
    ),
]
#: Letters that re.IGNORECASE matches to a letter of those words but str.lower() does not
#: lower to it (tests/test_normalize_boilerplate.py derives them from re itself).
_CASE_EXCEPTIONS = re.compile("[\u0130\u0131\u017f]")
#: The words of the patterns above, or what a case exception lower-cases to (``İ`` to
#: ``i̇``): a block without any of them, nor a share word at its start (that pattern is
#: anchored there), is no banner, which a few substring searches tell.
_BANNER_WORDS = (
    *(word for kind, words, _ in _PATTERNS if kind != "share" for word in words),
    *("\u0307", "ı", "ſ"),
)
_SHARE_WORDS = next(words for kind, words, _ in _PATTERNS if kind == "share")
#: What a scan over all of a text's blocks, each after a line feed, encoded and lower-cased
#: as ASCII (``bytes.lower``, several times cheaper than ``str.lower``), finds anywhere: the
#: ASCII banner words, and a byte of the UTF-8 of each character that ``str.lower`` or
#: re.IGNORECASE treat otherwise where a banner word, share word or lead may use it (``î``
#: and ``Î``, the case exceptions, U+0307, the Kelvin sign): single bytes, rare in text and
#: found fastest (tests/test_normalize_boilerplate.py checks every code point).
_BANNER_BYTES = (
    *(word.encode() for word in _BANNER_WORDS if word.isascii()),
    *(b"\xae", b"\x8e", b"\xc4", b"\xc5", b"\xcc", b"\x84"),
)


def _either_case(text: str) -> bytes:
    """A bytes pattern for ``text`` lower-cased as ASCII, its other letters in either case."""
    return b"".join(
        re.escape(char.encode())
        if char.isascii()
        else b"(?:%s|%s)" % (re.escape(char.encode()), re.escape(char.upper().encode()))
        for char in text
    )


#: What the scan finds at a block's start: a share word or an inline pointer's lead.
_AT_BLOCK_START = re.compile(
    b"\n(?:" + b"|".join(map(_either_case, (*_SHARE_WORDS, *_INLINE_LEADS))) + b")"
)
#: Every byte but the line feed, the full stop and the comma: deleted, they leave two line
#: feeds in a row around each block with neither, as every placeholder and related heading.
_NOT_STOPS = bytes(sorted(set(range(256)) - set(b"\n.,")))
#: A banner is short; a long paragraph that mentions cookies is an article about them.
_MAX_BANNER_CHARS = 400
#: A block longer than this, once stripped, is no placeholder or related heading (case
#: folding never shortens text), so it need not be case-folded.
_LONGEST_MARKER = max(map(len, [*PLACEHOLDERS, *RELATED_MARKERS]))
_TEASER_END = ("…", "...")


def _marker(text: str) -> str:
    """The block as a placeholder or heading would be listed, or ``""`` when too long for any."""
    stripped = strip_emphasis(text).strip(" :*#>-")
    return stripped.casefold() if len(stripped) <= _LONGEST_MARKER else ""


def classify(text: str) -> RemovedKind | None:
    """The kind of boilerplate ``text`` is, or ``None`` for article text."""
    return _classify(text, _marker(text))


def _classify(text: str, marker: str) -> RemovedKind | None:
    if marker in PLACEHOLDERS:
        return PLACEHOLDERS[marker]
    if len(text) <= _MAX_BANNER_CHARS and _may_be_banner(lowered := text.lower()):
        unusual = _CASE_EXCEPTIONS.search(text) is not None
        for kind, words, pattern in _PATTERNS:
            if (unusual or any(word in lowered for word in words)) and pattern.search(text):
                return kind
    return None


def _may_be_banner(lowered: str) -> bool:
    return lowered.startswith(_SHARE_WORDS) or any(map(lowered.__contains__, _BANNER_WORDS))


def is_related_marker(text: str) -> bool:
    return _marker(text) in RELATED_MARKERS


def _related(teasers: list[Block], found: Extracted) -> None:
    """Pair teaser titles with the snippet that follows each of them."""
    for block in teasers:
        marker = _marker(block.text)
        kind = _classify(block.text, marker)
        if kind or marker in RELATED_MARKERS:
            found.removed.append(RemovedBlock(kind=kind or "related", text=block.text))
            continue
        text = strip_emphasis(block.text)
        is_snippet = text.endswith(_TEASER_END) or len(text) > 200
        last = found.related[-1] if found.related else None
        if is_snippet and last and not last.teaser:
            found.related[-1] = last.model_copy(update={"teaser": text})
        else:
            found.related.append(RelatedLink(title=text, url=block.href))


def _suspects(texts: list[str]) -> list[int]:
    """Indexes of the blocks that may be boilerplate, in order: those where a scan over all
    of them finds something. A block of several lines makes every block a suspect, since a
    block is told by the line feeds before it."""
    lowered = ("\n" + "\n".join(texts) + "\n").encode("utf-8", "surrogatepass").lower()
    if lowered.count(b"\n") != len(texts) + 1:
        return list(range(len(texts)))
    starts = [match.start() for match in _AT_BLOCK_START.finditer(lowered)]
    starts += (
        at for word in _BANNER_BYTES if word in lowered for at in _occurrences(lowered, word)
    )
    stops = lowered.translate(None, _NOT_STOPS)
    return sorted({*_blocks_at(lowered, starts), *_blocks_at(stops, _occurrences(stops, b"\n\n"))})


def _occurrences(data: bytes, word: bytes) -> Iterator[int]:
    at = data.find(word)
    while at >= 0:
        yield at
        at = data.find(word, at + 1)


def _blocks_at(data: bytes, starts: Iterable[int]) -> Iterator[int]:
    """The block of each of ``starts`` in ``data``, where each block follows a line feed."""
    line_feeds = done = 0
    for start in sorted(starts):
        line_feeds += data.count(b"\n", done, start + 1)
        done = start + 1
        yield line_feeds - 1


def sift(items: list[Block], found: Extracted) -> Extracted:
    """Keep the article's blocks; report boilerplate; turn teasers into related links.

    Only the blocks the scan suspects are looked at one by one; the others are kept.
    """
    body: list[Block] = []
    kept = 0
    for index in _suspects([block.text for block in items]):
        body += items[kept:index]
        kept = index + 1
        block = items[index]
        marker = _marker(block.text)
        if marker in RELATED_MARKERS:
            found.removed.append(RemovedBlock(kind="related", text=block.text))
            _related(items[kept:], found)
            break
        if kind := _classify(block.text, marker):
            found.removed.append(RemovedBlock(kind=kind, text=block.text))
        elif inline := _INLINE_RELATED.match(block.text):
            found.removed.append(RemovedBlock(kind="related", text=block.text))
            found.related.append(RelatedLink(title=inline["title"], url=block.href))
        else:
            body.append(block)
    else:
        body += items[kept:]
    found.blocks.extend(body)
    return found
