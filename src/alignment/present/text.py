"""Text from files and users, made safe to show: as Markdown (every `st.*` that renders it) and
inside plotly charts.

Streamlit renders Markdown in st.markdown / caption / title / header / subheader / info /
success / warning / error, in widget, tab and expander labels and help, in st.metric labels,
values and deltas, and in radio / segmented-control options. A lead source such as
`![p](http://host/pixel.png)` would make every viewer's browser fetch that image. Plotly renders
a subset of HTML (`<a href>`, `<b>`, `<br>`, `<span style>`) in titles, tick labels, legends,
hover text and annotations. These helpers turn any value into text that renders as itself, so
the data stays raw (the CLI and the downloads print it unchanged) and is escaped only where it
meets the screen.
"""

from __future__ import annotations

import html

WORD_JOINER = "\u2060"
"""An invisible, zero-width character that breaks the text patterns Streamlit's Markdown
renderer applies after parsing (where a backslash escape no longer shows)."""

_ALWAYS = frozenset("\\`*~[]<>&$")
"""Characters that start Markdown / HTML anywhere in a line: backslash, code, emphasis,
strikethrough, links and images, HTML tags and autolinks, entities, math."""
_LINE_START = frozenset("#+-=>")
"""Characters that start a block (heading, list item, setext underline, quote) at the start of
a line, which is where a value starts when a page writes it first in a line or a list item."""
_ARROW_FIRST = frozenset("-<>~")
_ARROW_SECOND = frozenset("->=")
"""Streamlit turns ` -> `, ` <- `, ` <-> `, ` -- `, ` >= `, ` <= ` and ` ~= ` into arrows and
signs; a word joiner inside each pair keeps them as typed."""


def _normalise(value: object) -> str:
    """The value as one line: None is empty, every run of whitespace (line breaks and tabs
    included) is one space, as a browser shows it anyway."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def markdown_text(value: object) -> str:
    """`value` as Markdown that Streamlit renders as exactly that text, on one line.

    - `\\ \\` * ~ [ ] < > & $` are backslash-escaped everywhere; `_` too unless it is inside a
      word (`hubspot_contacts.csv` stays as it is: emphasis cannot start or end there);
    - at the start, `# + - = >` and a `.` or `)` after leading digits that ends a word are
      escaped (a value written first in a line or list item would otherwise open a heading,
      list or quote);
    - a word joiner (U+2060, invisible) follows each `:` and `@` that is not followed by a space
      and precedes each `.` after a `w`, and goes inside the arrow pairs: Streamlit finds
      `http://…` / `www.…` / e-mail links, `:material/…:`, `:streamlit:` and emoji shortcodes,
      directives such as `:red[…]`, and arrows in the parsed text, where escapes are gone;
    - line breaks and runs of whitespace become one space.

    Ordinary words, numbers, `'`, `"`, `,`, `.`, `(`, `)`, `/`, `%` and `-` inside a line are
    left as they are, so sentences read the same in the page source and in tests."""
    text = _normalise(value)
    leading_digits = len(text) - len(text.lstrip("0123456789"))
    out: list[str] = []
    for index, char in enumerate(text):
        previous = text[index - 1] if index else ""
        following = text[index + 1] if index + 1 < len(text) else ""
        if previous in _ARROW_FIRST and char in _ARROW_SECOND:
            out.append(WORD_JOINER)
        if char == "." and previous in ("w", "W"):
            out.append(WORD_JOINER)
        opens_block = (index == 0 and char in _LINE_START) or (
            index == leading_digits > 0 and char in ".)" and not following.strip()
        )
        if char in _ALWAYS or opens_block:
            out.append("\\" + char)
        elif char == "_":
            out.append("_" if previous.isalnum() and following.isalnum() else "\\_")
        elif char in ":@":
            out.append(char if following.isspace() else char + WORD_JOINER)
        else:
            out.append(char)
    return "".join(out)


def plotly_text(value: object) -> str:
    """`value` as text that plotly shows as exactly that (titles, tick labels, legend, hover
    text, annotations): `&`, `<` and `>` become entities, so no tag is read, and `$` too, so no
    LaTeX is. Whitespace is kept, so two values never fall on one axis category."""
    if value is None:
        return ""
    return html.escape(str(value), quote=False).replace("$", "&#36;")
