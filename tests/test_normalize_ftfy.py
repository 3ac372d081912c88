"""ftfy is skipped on text it would leave unchanged: the prefilter must never skip a change."""

from __future__ import annotations

import itertools

import ftfy
from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.text import (
    _CURRENCY,
    _FTFY,
    _INERT_OTHER,
    _LOWER,
    _QUOTES,
    _UPPER,
    _ftfy_may_change,
    repair,
)

#: Every character the prefilter lets through, and ASCII of each kind ftfy's patterns name.
_INERT = _LOWER + _UPPER + _QUOTES + _CURRENCY + _INERT_OTHER + "aZ \t\n.,?!1_-'\""
#: Characters ftfy does act on: mojibake tell-tales, controls, ligatures, wide forms, breaks.
_ACTIVE = "ÃÐØÙ°²€™•�\x81\x9d\x1b\r\u2028\ufeff\u200b\x00ﬁＡ\u0301ВГРСΒΓ√≈‚×"


def test_no_mojibake_pattern_of_up_to_three_characters_is_skipped() -> None:
    """ftfy.badness's patterns are at most three characters over these; all are caught."""
    missed = [
        "".join(chars)
        for size in (1, 2, 3)
        for chars in itertools.product(_INERT, repeat=size)
        if is_bad("".join(chars)) and not _ftfy_may_change("".join(chars))
    ]
    assert missed == []


def test_skipped_pairs_are_left_unchanged_by_ftfy() -> None:
    for first, second in itertools.product(_INERT, repeat=2):
        text = f"x{first}{second}y"
        if not _ftfy_may_change(text):
            assert ftfy.fix_text(text, _FTFY) == text


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_INERT + _ACTIVE), max_size=40))
def test_repair_is_ftfy(text: str) -> None:
    assert repair(text) == ftfy.fix_text(text, _FTFY)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_repair_is_ftfy_on_any_text(text: str) -> None:
    assert repair(text) == ftfy.fix_text(text, _FTFY)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_INERT + _ACTIVE), max_size=12), max_size=8))
def test_repair_of_some_lines_is_ftfy_of_the_whole(lines: list[str]) -> None:
    """Lines ftfy may change are repaired alone, the others kept: the same as ftfy on all."""
    text = "\n".join(lines)
    assert repair(text) == ftfy.fix_text(text, _FTFY)
