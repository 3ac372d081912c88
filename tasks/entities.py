"""People, organisations and places named in an article, from capitalisation and gazetteers.

A statistical recogniser (spaCy and the like) would cost more time per article than the
whole tag stage may spend, so this is rules plus shipped lists: runs of capitalised words
are mentions; a place list (``data/places.json``), organisation cue words and acronyms
classify them; the rest with two or more words are people. A short mention ("Poutine",
"Mr Blair") takes the full name of a person named earlier or later in the same article.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

import simplemma

from tasks.nlp import LEMMA_LANGUAGES, stopwords


def _load_cues() -> dict[str, frozenset[str]]:
    text = resources.files("tasks").joinpath("data/entity-cues.json").read_text("utf-8")
    return {key: frozenset(words) for key, words in json.loads(text).items() if key[0] != "_"}


_CUES = _load_cues()
_WORD = re.compile(r"[^\W\d_][\w]*(?:-[^\W\d_][\w]*)*")
_WORD_CHAR = re.compile(r"\w")
#: The one character between two words of a region (see ``_regions``).
_GAP = re.compile("([ '’\u00a0])")
#: Characters after which a capital always starts a word (no word character, no hyphen).
_NOT_IN_WORDS = frozenset(" \n\t\u00a0'’\"“”«»(),.;:!?")
#: Lower-case words that may sit inside a name: "Afrique de l'Ouest", "Ludwig van Beethoven".
_CONNECTORS = _CUES["connectors"]
#: Words a name may stand behind; dropped from the name, but a sign it names a person.
_PERSON_TITLES = _CUES["person_titles"]
_ORG_CUES = _CUES["organisation_cues"]
_KNOWN_ORGS = _CUES["known_organisations"]
#: French adjectives that continue an organisation's name: "Banque centrale européenne".
_ORG_ADJECTIVE = re.compile(
    r"^[a-zà-ÿ]+(?:al|ale|aux|ique|ien|ienne|éen|éenne|ais|aise|el|elle|aire|if|ive|ain|aine)s?$"
)
#: Last words that make a name a place ("Leicester Square") or no entity ("World Cup").
_PLACE_CUES = _CUES["place_cues"]
_NOT_NAMED = _CUES["not_named"]
#: Acronyms that name no organisation.
_COMMON_ACRONYMS = _CUES["common_acronyms"]
#: Nationality adjectives and "X-based" in front of a name: "Austrian Jurgen Melzer".
_QUALIFIER = re.compile(r"^\w{3,}(?:ian|ese|ish)$|-based$")
_SENTENCE_END = re.compile(r"[.!?…«»\"“”\n]\s*$")
_MAX_EACH = 10


@dataclass(frozen=True)
class Entities:
    """Names as the article spells them in full, most mentioned first."""

    people: list[str]
    organisations: list[str]
    places: list[str]


@dataclass
class _Mention:
    words: list[str]
    #: What separates each word from the next in the text: a space or an apostrophe.
    gaps: list[str]
    sentence_start: bool
    titled: bool
    position: int

    @property
    def name(self) -> str:
        if not self.gaps:
            return self.words[0]
        return "".join(word + gap for word, gap in zip(self.words, [*self.gaps, ""], strict=True))


@cache
def _places() -> frozenset[str]:
    raw = json.loads(resources.files("tasks").joinpath("data/places.json").read_text("utf-8"))
    return frozenset(raw["places"])


@cache
def _capitals() -> str:
    """Upper-case letters as a regex class: ranges of the Basic Multilingual Plane, which
    the regex engine tests in one lookup, and every astral character (checked later)."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        char = chr(code)
        if char.isupper() and _WORD.match(char):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    bmp = "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in ranges)
    return bmp + "\U00010000-\U0010ffff"


@cache
def _regions(language: str) -> re.Pattern[str]:
    """Stretches where a mention may be: a capitalised word and the words that may follow it.

    Only these stretches go through the word-by-word rules of ``_runs``; the regex engine
    skips the lower-case rest of the text. Each word is a whole ``_WORD`` match.
    """
    capitals = _capitals()
    tail = r"\w*(?:-[^\W\d_]\w*)*"
    ends = r"(?!\w)(?!-[^\W\d_])"
    lower = "(?i:" + "|".join(sorted(_CONNECTORS, key=len, reverse=True)) + ")"
    if language == "fr":
        lower += "|" + _ORG_ADJECTIVE.pattern.strip("^$")
    follow = rf"(?:[ '’\u00a0][{capitals}]{tail}|[ ’\u00a0](?:{lower}){ends})"
    # A capital right after a letter is inside a word: the engine skips it at once.
    return re.compile(rf"[{capitals}](?<![^\W\d_].){tail}(?:{follow})*")


#: A mention as a region gives it: name, kind, whether a title makes it a person when no
#: full name is found (it never does at a sentence start), offset in the region.
_Found = tuple[str, str | None, bool, int]
#: Regions read per process (most names and sentence-initial words come back), by language
#: and whether the region opens the article, then by region: the mentions, or a pair of them
#: (not at a sentence start, at one) for the few regions ("The", "But Mr Blair") where that
#: matters.
_REGIONS_MAX = 100_000
_Read = tuple[_Found, ...] | list[tuple[_Found, ...]]
_regions_read: dict[tuple[str, bool], dict[str, _Read]] = {}
_PLACE, _ORGANISATION, _PERSON, _SHORT = "place", "organisation", "person", "short"


def _mentions(
    text: str, offset: int, language: str, stop: frozenset[str]
) -> list[tuple[int, tuple[_Found, ...]]]:
    """Runs of capitalised words (connectors inside, adjectives after an organisation), cleaned
    and classified, by region with the region's offset in the article."""
    found: list[tuple[int, tuple[_Found, ...]]] = []
    regions = _regions("fr" if language == "fr" else "*")
    sentence_end = _SENTENCE_END.search
    seen = _regions_read.setdefault((language, False), {})
    position = 0
    while position >= 0:
        restart, position = position, -1
        for region in regions.finditer(text, restart):
            start = region.start()
            if (start and text[start - 1] not in _NOT_IN_WORDS and _inside_word(text, start)) or (
                text[start] > "\uffff" and not _is_capital(text[start])
            ):
                position = start + 1  # look again from the next character
                break
            found_in = seen if offset or start else _regions_read.setdefault((language, True), {})
            name = region.group()
            mentions = found_in.get(name)
            if mentions is None:
                if len(found_in) > _REGIONS_MAX:
                    found_in.clear()
                mentions = found_in[name] = _read_both(name, language, offset + start == 0, stop)
            if isinstance(mentions, list):
                initial = start == 0 or sentence_end(text, max(0, start - 3), start) is not None
                mentions = mentions[initial]
            if mentions:
                found.append((offset + start, mentions))
    return found


def _read_both(
    region: str, language: str, first: bool, stop: frozenset[str]
) -> tuple[_Found, ...] | list[tuple[_Found, ...]]:
    """``_read_region`` when the region does not start a sentence and when it does, or the
    one answer when both agree."""
    inside, opening = (_read_region(region, language, at, first, stop) for at in (False, True))
    return inside if inside == opening else [inside, opening]


def _read_region(
    region: str, language: str, sentence_start: bool, first: bool, stop: frozenset[str]
) -> tuple[_Found, ...]:
    """The mentions of one region, cleaned and classified; the same wherever it occurs."""
    parts = _GAP.split(region)
    words = parts[::2]
    if len(words) == 1:  # one word, as most are: the run rules cannot apply
        if not _is_name_word(region, stop, sentence_start):
            return ()
        runs = [_Mention(words, [], sentence_start, False, 0)]
    elif all(word[0].isupper() for word in words):  # one run of names: "Maria Lopez"
        runs = [_Mention(words, parts[1::2], sentence_start, False, 0)]
    else:
        runs = _runs(region, language, sentence_start)
    found: list[_Found] = []
    for run in runs:
        mention = _clean(run, stop, language, first and run.position == 0) if words[1:] else run
        if mention is not None:
            resolvable = mention.titled and not mention.sentence_start
            found.append((mention.name, _kind(mention), resolvable, run.position))
    return tuple(found)


def _kind(mention: _Mention) -> str | None:
    """Place, organisation, person, short (a one-word name to resolve) or None (no entity)."""
    name = mention.name
    lowered = list(map(str.casefold, mention.words))
    places = _places()
    if lowered[-1] in _NOT_NAMED or name in _COMMON_ACRONYMS:
        return None
    if name in places or (len(lowered) > 1 and lowered[-1] in _PLACE_CUES):
        return _PLACE
    if (
        name in _KNOWN_ORGS
        or not _ORG_CUES.isdisjoint(lowered)
        or (len(mention.words) == 1 and _is_acronym(name))
        # named after a place: "Glasgow Rangers" (not "Real Madrid": "John Kennedy" too)
        or (len(lowered) > 1 and mention.words[0] in places)
    ):
        return _ORGANISATION
    if len(mention.words) >= 2 and not any(_is_acronym(word) for word in mention.words):
        return _PERSON
    return _SHORT


def _is_name_word(word: str, stop: frozenset[str], sentence_start: bool) -> bool:
    """What ``_clean`` keeps of a one-word mention: no title, connector, initial stopword."""
    lowered = word.casefold()
    if lowered in _PERSON_TITLES or lowered in _CONNECTORS:
        return False
    return lowered not in stop or not sentence_start


def _starts_sentence(text: str, start: int) -> bool:
    return start == 0 or _SENTENCE_END.search(text, max(0, start - 3), start) is not None


def _is_capital(char: str) -> bool:
    return char.isupper() and _WORD.match(char) is not None


def _inside_word(text: str, start: int) -> bool:
    """A capital inside a word ("iPhone", "anti-Trump") starts no ``_WORD`` match.

    A word runs from the first letter of a stretch of word characters to its end, and on
    across a hyphen followed by a letter; digits and underscores alone start no word.
    """
    index = start - 1
    if index >= 0 and text[index] == "-":
        index -= 1
        if index < 0 or not _WORD_CHAR.match(text[index]):
            return False
    while index >= 0 and _WORD_CHAR.match(text[index]):
        if _WORD.match(text[index]):
            return True
        index -= 1
    return False


def _runs(text: str, language: str, sentence_start: bool) -> list[_Mention]:
    """The mentions in a region ``text`` (which starts a sentence or not), word by word.

    A run inside the region starts at least two characters in, after a word and a gap, so
    whether it starts a sentence depends on the region alone.
    """
    found: list[_Mention] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        while run and not run[-1].group()[0].isupper() and not _extends(run):
            run.pop()
        if run:
            start = run[0].start()
            found.append(
                _Mention(
                    [m.group() for m in run],
                    [text[a.end() : b.start()] for a, b in itertools.pairwise(run)],
                    sentence_start if start == 0 else _starts_sentence(text, start),
                    False,
                    start,
                )
            )
        run.clear()

    for match in _WORD.finditer(text):
        word = match.group()
        gap = text[run[-1].end() : match.start()] if run else ""
        if run and gap not in (" ", "'", "’", "\u00a0"):
            close()
        if word[0].isupper():
            run.append(match)
        elif (
            run
            and gap != "'"
            and (
                word.casefold() in _CONNECTORS or (language == "fr" and _ORG_ADJECTIVE.match(word))
            )
        ):
            run.append(match)
            if word.casefold() not in _CONNECTORS and not _extends(run):
                run.pop()
                close()
        elif run:
            close()
    close()
    return found


def _extends(run: list[re.Match[str]]) -> bool:
    """A trailing lower-case word belongs to the name only after an organisation's cue."""
    tail = run[-1].group()
    if tail.casefold() in _CONNECTORS or not _ORG_ADJECTIVE.match(tail):
        return False
    capitals = [m.group().casefold() for m in run if m.group()[0].isupper()]
    return bool(capitals) and capitals[-1] in _ORG_CUES


def _clean(mention: _Mention, stop: frozenset[str], language: str, first: bool) -> _Mention | None:
    """Drop sentence-initial function words, titles and qualifiers; a title hints a person.

    ``first``: the mention opens the article.
    """
    words = list(mention.words)
    titled = False
    inner = [i for i, word in enumerate(words[:-1]) if word.casefold() in _PERSON_TITLES]
    if inner:  # "Instead Mr Blair": what follows the title is the name
        titled, words = True, words[inner[-1] + 1 :]
    while words:
        lowered = words[0].casefold()
        initial = mention.sentence_start or len(words) < len(mention.words)
        if lowered in _PERSON_TITLES:
            titled, words = True, words[1:]
        elif (
            (initial and lowered in stop)
            or lowered in _CONNECTORS
            or (
                len(words) > 1
                and _QUALIFIER.search(lowered)
                and (lowered.endswith("-based") or _known(lowered, language))
            )
        ):
            words = words[1:]
        elif first and len(words) > 1 and _known(lowered, language):
            # A sentence-case headline's first word is capitalised by grammar alone.
            words = words[1:]
        else:
            break
    if not words:
        return None
    # Only the first word of a sentence owes its capital to grammar.
    still_initial = mention.sentence_start and len(words) == len(mention.words)
    gaps = mention.gaps[len(mention.gaps) - len(words) + 1 :] if len(words) > 1 else []
    return _Mention(words, gaps, still_initial, titled, mention.position)


def _known(word: str, language: str) -> bool:
    """A dictionary word of the language, so not necessarily part of a name."""
    return language in LEMMA_LANGUAGES and simplemma.is_known(word, lang=language)


def _is_acronym(word: str) -> bool:
    return (
        2 <= len(word) <= 6 and word.isupper() and word.isalpha() and word not in _COMMON_ACRONYMS
    )


def extract_entities(headline: str, body: str, language: str) -> Entities:
    """People, organisations and places of the article, full names recovered."""
    stop = stopwords(language)
    mentions = [
        *_mentions(headline, 0, language, stop),
        *_mentions(body, len(headline) + 1, language, stop),
    ]
    counts: dict[str, Counter[str]] = {
        _PERSON: Counter(),
        _ORGANISATION: Counter(),
        _PLACE: Counter(),
    }
    people = counts[_PERSON]
    first_seen: dict[str, int] = {}
    short: list[tuple[str, bool, int]] = []
    for at, found in mentions:
        for name, kind, resolvable, inner in found:
            if kind is None:
                continue
            if kind == _SHORT:
                short.append((name, resolvable, at + inner))
                continue
            found_kind = counts[kind]
            found_kind[name] = found_kind.get(name, 0) + 1  # not Counter's Python __missing__
            first_seen.setdefault(name, at + inner)
    words = {name: name.split() for name in people}
    surnames: dict[str, str] = {}
    for name, _ in people.most_common():
        surnames.setdefault(words[name][-1], name)
    given = Counter([split[0] for split in words.values()])
    for name, split in words.items():
        if given[split[0]] == 1:  # "Sir Anthony" is the article's only Anthony
            surnames.setdefault(split[0], name)
    for name, resolvable, position in short:
        full = surnames.get(name)
        if full is not None:
            people[full] += 1
        elif resolvable:
            people[name] += 1
            first_seen.setdefault(name, position)

    def ranked(found: Counter[str]) -> list[str]:
        order = sorted(found, key=lambda name: (-found[name], first_seen.get(name, 0)))
        return order[:_MAX_EACH]

    return Entities(ranked(people), ranked(counts[_ORGANISATION]), ranked(counts[_PLACE]))
