from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from alignment.present.export import neutralise, neutralise_value, restore, restore_value, safe_csv


def test_formula_cells_are_neutralised_and_numbers_kept() -> None:
    frame = pl.DataFrame(
        {"text": ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "plain", None], "n": [-1, 2, 3, 4, 5, 6]}
    )
    expected = pl.DataFrame(
        {
            "text": ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM(A1)", "plain", None],
            "n": [-1, 2, 3, 4, 5, 6],
        }
    )
    assert_frame_equal(neutralise(frame), expected)


def test_safe_csv_has_a_bom_for_excel() -> None:
    result = safe_csv(pl.DataFrame({"a": ["=1"]}))
    assert result == b"\xef\xbb\xbfa\n'=1\n"


def test_column_names_and_categorical_cells_are_neutralised_too() -> None:
    # the toolbar's "Download as CSV" writes the column names as the first row
    frame = pl.DataFrame({"=cmd": ["a"], "kind": pl.Series(["@SUM(A1)"], dtype=pl.Categorical)})
    expected = pl.DataFrame({"'=cmd": ["a"], "kind": ["'@SUM(A1)"]})
    assert_frame_equal(neutralise(frame), expected)


def test_a_value_already_quoted_gets_one_more_quote_so_restore_gives_it_back() -> None:
    # `'=x` is text a user typed; after neutralising, `''=x`; restore strips exactly one quote
    frame = pl.DataFrame({"v": ["=1", "'=1", "''+2", "'plain", "plain", None]})
    shown = neutralise(frame)
    expected = pl.DataFrame({"v": ["'=1", "''=1", "'''+2", "'plain", "plain", None]})
    assert_frame_equal(shown, expected)
    assert_frame_equal(restore(shown), frame)
    assert [restore_value(neutralise_value(v)) for v in ("=1", "'=1", "x")] == ["=1", "'=1", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="'=+-@\t\rab ", max_size=6), min_size=1, max_size=5))
def test_restore_inverts_neutralise_and_nothing_shown_can_start_a_formula(
    values: list[str],
) -> None:
    frame = pl.DataFrame({"v": values})
    shown = neutralise(frame)
    assert_frame_equal(restore(shown), frame)
    assert not any(v[:1] in ("=", "+", "-", "@", "\t", "\r") for v in shown["v"].to_list())
