"""Body HTML made from plain text skips nh3: only where nh3 would give it back unchanged."""

from __future__ import annotations

import sys
from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.formats.extracted import Block
from tasks.formats.sanitize import _REWRITTEN, body_html, sanitize


def _paragraphs(texts: list[str]) -> str:
    return "\n".join(f"<p>{escape(text, quote=False)}</p>" for text in texts)


def _rewritten(codes: list[int]) -> list[int]:
    """The code points among ``codes`` that nh3 changes inside a paragraph, by bisection."""
    html = _paragraphs(["a" + "".join(map(chr, codes)) + "b"])
    if sanitize(html) == html:
        return []
    if len(codes) == 1:
        return codes
    middle = len(codes) // 2
    return _rewritten(codes[:middle]) + _rewritten(codes[middle:])


def test_nh3_rewrites_no_other_character() -> None:
    surrogates = range(0xD800, 0xE000)  # no str with one can be encoded, so none reaches nh3
    codes = [code for code in range(sys.maxunicode + 1) if code not in surrogates]
    assert [chr(code) for code in _rewritten(codes)] == list(_REWRITTEN)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("a &<>;#x\n\t'\"é€/p"), min_size=1), min_size=1))
def test_body_html_of_text_is_sanitized(texts: list[str]) -> None:
    html = body_html([Block(text) for text in texts])
    assert html == sanitize(_paragraphs(texts))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), min_size=1), min_size=1))
def test_body_html_of_any_text_is_sanitized(texts: list[str]) -> None:
    assert body_html([Block(text) for text in texts]) == sanitize(_paragraphs(texts))


def test_body_html_of_no_block_is_empty() -> None:
    assert body_html([]) == ""
