"""Values shown as text: `markdown_text` (Streamlit's Markdown) and `plotly_text` (plotly's HTML
subset).

The reference for Markdown is CommonMark's rule that a backslash before an ASCII punctuation
character shows that character, plus the patterns Streamlit 1.67's renderer applies to the
parsed text afterwards (copied from its frontend bundle, `StreamlitMarkdown.*.js` and the GFM
autolink plugin). tests/e2e/test_hostile_browser.py checks the same strings in the real
renderer.
"""

from __future__ import annotations

import html
import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.present.text import WORD_JOINER, markdown_text, plotly_text

from .hostile import BOLD, CODE, FILE_NAME, HTML, IMAGE, LINK

PUNCTUATION = frozenset(string.punctuation)

# Streamlit 1.67 (and remark-gfm) rewrite these in the parsed text, after escapes are gone.
TEXT_PATTERNS: dict[str, re.Pattern[str]] = {
    "autolink url": re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE),
    "autolink e-mail": re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)"),
    "material icon": re.compile(r":material[/_](\w+):"),
    "streamlit logo": re.compile(r":streamlit:"),
    "emoji shortcode": re.compile(r":\+1:|:-1:|:[\w-]+:"),
    "directive": re.compile(r":[a-z][a-z0-9-]*[\[{]"),
    "arrow or sign": re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
}

# text made mostly of the characters and fragments Markdown, HTML and Streamlit react to
TOKENS = [
    *string.punctuation,
    *"awW19 \n\té\u2060",
    "http://x.io",
    "www.",
    ":material/face:",
    ":smile:",
    ":streamlit:",
    "![p](",
    "&amp;",
    " -> ",
    " -- ",
    "1. ",
    "a@b.co",
]
hostile_text = st.lists(st.sampled_from(TOKENS), max_size=20).map("".join) | st.text(max_size=40)


def _decoded(markdown: str) -> str:
    """The text CommonMark shows for a line with no markup: backslash escapes of ASCII
    punctuation resolved (the word joiners kept)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def _shown(value: str) -> str:
    """What a reader sees of a value: whitespace collapsed, word joiners invisible."""
    return " ".join(value.replace(WORD_JOINER, "").split())


def _unescaped(markdown: str) -> list[tuple[int, str]]:
    """(position, character) of every character not preceded by an escaping backslash."""
    found: list[tuple[int, str]] = []
    index = 0
    while index < len(markdown):
        if markdown[index] == "\\" and index + 1 < len(markdown):
            index += 2
            continue
        found.append((index, markdown[index]))
        index += 1
    return found


def test_hostile_values_are_escaped_as_written_by_hand() -> None:
    wj = WORD_JOINER
    assert markdown_text(IMAGE) == rf"!\[p\](http:{wj}//127.0.0.1:{wj}9/x.png)"
    assert markdown_text(BOLD) == r"\*\*bold\*\*"
    assert markdown_text(CODE) == r"\`code\`"
    assert markdown_text(HTML) == r"\<img src=x onerror=alert(1)\>"
    assert markdown_text(LINK) == rf"\[link\](javascript:{wj}alert(1))"
    assert markdown_text(FILE_NAME) == r"a\`b\*\*c\*\*.csv"
    assert markdown_text("# 1. - x") == r"\# 1. - x"
    assert markdown_text("12. Budget") == r"12\. Budget"
    assert markdown_text("www.example.com") == f"www{wj}.example.com"
    assert markdown_text("ada@example.com") == f"ada@{wj}example.com"
    assert markdown_text("a -> b") == rf"a -{wj}\> b"
    assert markdown_text("&amp; $1 ~x~ \\") == r"\&amp; \$1 \~x\~ \\"
    assert markdown_text("line\n\n    two\t three") == "line two three"
    assert markdown_text(None) == ""


def test_ordinary_text_is_left_as_it_is() -> None:
    for value in (
        "Budget doesn't match is 46 % of Paid Social SMB rejections vs 17 % overall (n = 275)",
        "Imported hubspot_contacts.csv as hubspot leads (import #1): 10 rows read.",
        "channel: Email, Events; segment: SMB",
        "12.5 %",
    ):
        assert markdown_text(value) == value


@settings(max_examples=400, deadline=None)
@given(hostile_text)
def test_escaped_text_shows_exactly_the_value(value: str) -> None:
    result = markdown_text(value)
    assert _shown(_decoded(result)) == _shown(value)


@settings(max_examples=400, deadline=None)
@given(hostile_text)
def test_escaped_text_has_no_markup(value: str) -> None:
    result = markdown_text(value)
    assert "\n" not in result and "\r" not in result
    assert result == result.strip()
    for position, char in _unescaped(result):
        assert char not in "\\`*~[]<>&$", (value, result, position)
        if char == "_":  # only inside a word, where it can neither open nor close emphasis
            around = result[position - 1 : position + 2]
            assert len(around) == 3 and around[0].isalnum() and around[2].isalnum(), result
        if position == 0:
            assert char not in "#+-=>", result
    assert not re.match(r"\d+[.)](\s|$)", result), result


@settings(max_examples=400, deadline=None)
@given(hostile_text)
def test_escaped_text_matches_no_pattern_streamlit_applies_after_parsing(value: str) -> None:
    text = _decoded(markdown_text(value))
    for name, pattern in TEXT_PATTERNS.items():
        assert not pattern.search(text), (name, value, text)


@settings(max_examples=400, deadline=None)
@given(hostile_text)
def test_plotly_text_shows_exactly_the_value_and_no_tag(value: str) -> None:
    result = plotly_text(value)
    assert "<" not in result and ">" not in result and "$" not in result
    assert html.unescape(result) == value


def test_plotly_text_by_hand() -> None:
    assert plotly_text('<a href="http://x">y</a> & $x$') == (
        '&lt;a href="http://x"&gt;y&lt;/a&gt; &amp; &#36;x&#36;'
    )
    assert plotly_text(None) == ""
