"""The plain-text grid behind `analyze`'s table: folding never loses a character, numbers never fold."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from cnncalc.render.grid import Column, _fold, layout

NAME = st.text(alphabet="abcdefghij.0123456789_ ", min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(NAME, st.integers(min_value=2, max_value=30))
def test_fold_keeps_every_character_and_fits(text, width):
    pieces = _fold(text, width)
    assert all(len(piece) <= width for piece in pieces)
    # only spaces at the breaks may go
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_layout_folds_names_and_keeps_numbers_whole():
    columns = [Column("Layer", "total", fold=True, min_width=8), Column("Params", "1,000,000,000,001", right=True)]
    rows = [("a.very.long.layer.name.that.wraps", "1,000,000,000,000"), ("x", "1")]
    text = layout(columns, rows, width=30)
    lines = text.splitlines()
    assert all(len(line) <= 30 for line in lines)
    assert "1,000,000,000,000" in text and "1,000,000,000,001" in text
    names = "".join(line[1:13].strip() for line in lines[2:-2])
    assert names.replace(" ", "") == "a.very.long.layer.name.that.wrapsx"


def test_layout_prints_too_wide_rather_than_cut():
    columns = [Column("N", fold=True, min_width=4), Column("Big", right=True)]
    big = "9" * 40
    text = layout(columns, [("name", big)], width=20)
    assert big in text


def test_styles_only_when_asked():
    columns = [Column("A"), Column("B", right=True)]
    assert "\x1b[" not in layout(columns, [("x", "1")], 80)
    assert "\x1b[1m" in layout(columns, [("x", "1")], 80, styled=True)
