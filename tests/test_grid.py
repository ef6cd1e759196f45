"""The plain-text grid behind `analyze`'s table: folding never loses a character, numbers never fold."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
from rich.cells import cell_len

from cnncalc.render import grid
from cnncalc.render.grid import Column, _fold, layout

NAME = st.text(alphabet="abcdefghij.0123456789_ ", min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(NAME, st.integers(min_value=2, max_value=30))
def test_fold_keeps_every_character_and_fits(text, width):
    pieces = _fold(text, width)
    assert all(len(piece) <= width for piece in pieces)
    # only spaces at the breaks may go; a piece broken mid-word ends with the mark, which is not the text's
    assert "".join(p.removesuffix(grid.BROKEN) for p in pieces).replace(" ", "") == text.replace(" ", "")
    # the mark is where a piece ends inside a word: the next piece goes on with a character of the same word
    for piece, after in zip(pieces, pieces[1:]):
        if piece.endswith(grid.BROKEN):
            assert piece[-2] != " " and after[:1] not in ("", " ")


def _fold_by_remeasuring(text: str, width: int) -> list[str]:
    """The rule written the direct way (it measures the rest of the text again for every piece): the oracle.
    A piece is the longest prefix that fits; it ends at a space if the text goes on with one, else after the
    last '.', '/' or space in its second half; else it is a word broken: the longest prefix that fits with the
    mark '…' after it (unless that prefix is blank: then the piece as it fits, unmarked)."""
    pieces = []
    while cell_len(text) > width:
        cut = width
        while cell_len(text[:cut]) > width:
            cut -= 1
        soft = max(text.rfind(".", 0, cut), text.rfind("/", 0, cut), text.rfind(" ", 0, cut))
        if text[cut] == " ":
            pieces.append(text[:cut].rstrip())
        elif soft >= width // 2:
            cut = soft + 1
            pieces.append(text[:cut].rstrip())
        else:
            marked = cut
            while marked > 1 and cell_len(text[:marked] + "…") > width:
                marked -= 1
            if text[:marked].strip():
                cut = marked
                pieces.append(text[:cut] + "…")
            else:
                pieces.append(text[:cut])
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab.7 名字", min_size=1, max_size=80), st.integers(min_value=2, max_value=30))
def test_fold_breaks_where_the_direct_rule_breaks(text, width):
    # wide characters (CJK, two cells) included
    assert _fold(text, width) == _fold_by_remeasuring(text, width)


def test_fold_keeps_a_combining_accent_with_its_letter():
    # 'e' + U+0301 takes one cell: four cells hold three and the mark, and the accent stays with its 'e'
    accented = "e\u0301"
    assert _fold(accented * 6, 4) == [accented * 3 + "…", accented * 3]


def test_fold_measures_each_character_once(monkeypatch):
    # 40,000 CJK characters (two cells each) used to take 4 s: every piece re-measured the rest of the text
    measured = []
    monkeypatch.setattr(grid, "get_character_cell_size", lambda c: measured.append(c) or 2)
    text = "名" * 40_000
    pieces = _fold(text, 21)
    assert len(measured) == len(text)
    # 21 cells hold 10 characters of two cells and the mark: 4,000 pieces of 10, nothing lost
    assert pieces == ["名" * 10 + "…"] * 3999 + ["名" * 10]


def test_fold_of_a_long_ascii_name_cuts_at_the_dots():
    name = "block." * 100_000                       # 600,000 characters
    pieces = _fold(name, 20)
    # 20 columns hold 'block.block.block.bl'; the last '.' inside is at index 17, past 20 // 2: break after it
    assert pieces[:-1] == ["block.block.block."] * (100_000 // 3)
    assert pieces[-1] == "block."


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


def test_a_cell_of_several_lines_stacks_them_in_its_column():
    # compare writes a value with its change under it: one cell, two lines, as wide as its widest line
    columns = [Column("Name"), Column("Value", right=True)]
    text = layout(columns, [("a", ["1,000", "+5%"]), ("b", "7")], width=80)
    # widths: Name 4 (the header), Value 5 ('1,000' and the header); one blank cell of margin, one between
    assert text.splitlines() == [" Name Value",
                                 " " + "─" * 10,
                                 " a    1,000",
                                 "        +5%",
                                 " b        7"]


def test_a_folding_column_folds_each_line_of_a_cell():
    columns = [Column("N", fold=True, min_width=5), Column("V", right=True)]
    text = layout(columns, [(["alpha beta", "gamma"], "12,345")], width=13)
    # 13 − margin 1 − 6 for '12,345' − 1 blank = 5 cells for the names: 'alpha beta' breaks at its space
    assert [line[1:6].strip() for line in text.splitlines()[2:]] == ["alpha", "beta", "gamma"]
    assert "12,345" in text.splitlines()[2]


def test_each_line_keeps_its_style_and_the_row_style_goes_on_after_it():
    columns = [Column("A"), Column("B", ("9", grid.GREEN), right=True)]
    text = layout(columns, [("x", [("1", grid.GREEN), ("2", grid.RED)])], 80, dim_rows={0}, styled=True)
    lines = text.splitlines()
    # the dimmed row: after the green '1' the dim comes back for the rest of the line
    assert lines[2] == f"{grid.DIM} x {grid.GREEN}1{grid.RESET}{grid.DIM}{grid.RESET}"
    assert f"{grid.RED}2{grid.RESET}{grid.DIM}" in lines[3]
    # a footer is a cell too: the green total, then the footer's bold again
    assert lines[-1] == f"{grid.BOLD}   {grid.GREEN}9{grid.RESET}{grid.BOLD}{grid.RESET}"
    unstyled = layout(columns, [("x", [("1", grid.GREEN), ("2", grid.RED)])], 80, dim_rows={0})
    assert "\x1b[" not in unstyled and unstyled.splitlines()[2:4] == [" x 1", "   2"]
