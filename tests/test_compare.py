"""`cnncalc compare`: totals side by side and layers aligned by name.

Expected figures are derived in the comments from the layer arithmetic of the seed specs:

inception_naive (input 16×28×28, bias off, every conv stride 1 'same' → 28·28 = 784 output positions):
  weights: 1·1·16·16 = 256, 3·3·16·16 = 2,304, 5·5·16·16 = 6,400 → 8,960 parameters
  MACs = 784 · weights = 784 · 8,960 = 7,024,640
  activations (input excluded): four branches of 16·784 = 12,544, concat 64·784 = 50,176
    → 4·12,544 + 50,176 = 100,352 elements · 4 B = 401,408 B
inception_bottleneck:
  weights: 1×1 16·16 = 256; reduce 16·8 = 128, 3×3 3·3·8·16 = 1,152; reduce 128, 5×5 5·5·8·16 = 3,200;
  pool projection 16·16 = 256 → 5,120 parameters; MACs = 784 · 5,120 = 4,014,080
  activations: 1×1 12,544; reduces 8·784 = 6,272 twice; 3×3 and 5×5 12,544 each; maxpool 12,544;
  projection 12,544; concat 50,176 → 5·12,544 + 2·6,272 + 50,176 = 125,440 elements · 4 B = 501,760 B
So bottleneck/naive: parameters and MACs 5,120/8,960 = 4/7 (−3/7 = −42.857…%, ×0.5714…);
activation memory 125,440/100,352 = 5/4 (+25%): the bottleneck saves weights at the cost of activations.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction

import pytest

from cnncalc.comparison import Change, compare, compare_layers, merge_order
from cnncalc.render import fmt as ch
from conftest import report_of

NAIVE = "specs/seed/inception_naive.yaml"
BOTTLENECK = "specs/seed/inception_bottleneck.yaml"
SINGLE = "specs/seed/single_5x5.yaml"
STACKED = "specs/seed/stacked_3x3.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    from pathlib import Path
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


def test_json_totals_of_the_inception_pair(cli_json):
    data = cli_json("compare", NAIVE, BOTTLENECK)
    assert data["schema"] == "cnncalc.compare/2"
    assert [s["name"] for s in data["specs"]] == ["inception-naive", "inception-bottleneck"]
    params = data["totals"]["params"]
    assert params["values"] == [8_960, 5_120]
    assert params["changes"][0] is None
    assert params["changes"][1]["delta"] == 5_120 - 8_960
    assert params["changes"][1]["ratio"] == "4/7"
    assert params["changes"][1]["relative"] == "-3/7"
    assert params["changes"][1]["percent"] == "-42.9%"
    assert params["changes"][1]["times"] == "x0.571"
    assert params["smallest"] == [1]
    assert data["totals"]["macs"]["values"] == [784 * 8_960, 784 * 5_120]
    act = data["totals"]["activation_memory"]
    assert act["values"] == [100_352 * 4, 125_440 * 4]
    assert act["changes"][1]["ratio"] == "5/4"
    assert act["smallest"] == [0]          # the naive module keeps fewer activations
    assert data["same_output_shape"] is True
    assert [s["output"] for s in data["specs"]] == [[64, 28, 28], [64, 28, 28]]   # 16+16+16+16 channels
    # both outputs see 5×5 (the 5×5 branch), starting 2 into the padding
    assert data["specs"][1]["receptive_field"] == {"size": [5, 5], "stride": [1, 1], "start": [-2, -2]}
    assert data["same_receptive_field"] is True


def test_markdown_reads_as_the_textbook_point(cli):
    code, out, err = cli("compare", NAIVE, BOTTLENECK, "--format", "markdown")
    assert code == 0, err
    assert ("inception-bottleneck vs inception-naive: parameters 5,120 vs 8,960 (−42.9%, ×0.571); "
            "MACs 4,014,080 vs 7,024,640 (−42.9%, ×0.571); activation memory 490 KiB vs 392 KiB (+25.0%, ×1.25); "
            "output [64, 28, 28], the same") in out
    # the smaller value is highlighted (bold in Markdown), and the change column is against the first spec
    assert "| Parameters | 8,960 | **5,120** | −3,840 (−42.9%, ×0.571) |" in out
    assert "| Activation memory (float32, batch 1) | **392 KiB** | 490 KiB | +98.0 KiB (+25.0%, ×1.25) |" in out


def test_table_output_shows_both_and_the_change(cli):
    code, out, err = cli("compare", NAIVE, BOTTLENECK)
    assert code == 0, err
    assert "inception-naive" in out and "inception-bottleneck" in out
    flat = " ".join(out.split())          # the table may wrap long cells at 100 columns
    assert "parameters 5,120 vs 8,960 (−42.9%, ×0.571)" in flat
    # 8,960 → 5,120: 5,120/8,960 = 4/7 = ×0.571, and 3/7 less = −42.9%, under the value
    assert "Parameters 8,960 5,120 −42.9% ×0.571" in flat


def _table(cli, monkeypatch, width: int, *args) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = cli("compare", *args)
    assert code == 0, err
    return out.splitlines()


def _right_edge(line: str, text: str) -> int:
    assert text in line, (text, line)
    return line.index(text) + len(text)


def test_three_specs_fit_in_100_columns_with_each_change_under_its_value(cli, monkeypatch):
    lines = _table(cli, monkeypatch, 100, NAIVE, BOTTLENECK, SINGLE)
    table = lines[:lines.index("", 2)]
    assert max(len(line) for line in table) <= 100
    assert table[2].split() == ["inception-naive", "inception-bottleneck", "single-5x5"]
    # single-5x5: 5·5·64·64 = 102,400 weights over 32·32 outputs → 104,857,600 MACs. Against the naive
    # module's 8,960 and 7,024,640: 102,400/8,960 = 11.43 (+1,042.9%); 104,857,600/7,024,640 = 14.93 (+1,392.7%);
    # the bottleneck's 4/7 = ×0.571 (−42.9%) both times. Each change sits right-aligned under its value.
    for label, values, changes in (("Parameters", ["8,960", "5,120", "102,400"],
                                    ["−42.9% ×0.571", "+1,042.9% ×11.4"]),
                                   ("MACs", ["7,024,640", "4,014,080", "104,857,600"],
                                    ["−42.9% ×0.571", "+1,392.7% ×14.9"])):
        k = next(k for k, line in enumerate(table) if line.split()[:1] == [label])
        assert table[k].split()[1:] == values
        assert table[k + 1].split() == changes[0].split() + changes[1].split()
        assert _right_edge(table[k], values[1]) == _right_edge(table[k + 1], changes[0])
        assert _right_edge(table[k], values[2]) == _right_edge(table[k + 1], changes[1])
    # the 5×5 keeps 32×32 (padding 2), the inception modules 28×28: flagged under the differing shape
    k = next(k for k, line in enumerate(table) if line.startswith(" Output shape"))
    assert _right_edge(table[k], "[64, 32, 32]") == _right_edge(table[k + 1], "differs")
    assert table[k + 1].split() == ["=", "differs"]
    # 100 columns hold the longest label whole: no name is folded
    assert any(line.startswith(" Output receptive field (size/stride @start)") for line in table)


def test_a_narrow_terminal_gets_letters_and_every_number_whole(cli, monkeypatch):
    lines = _table(cli, monkeypatch, 60, NAIVE, BOTTLENECK, SINGLE)
    table = lines[:lines.index("", 3)]
    assert max(len(line) for line in table) <= 60
    assert table[3].split() == ["A", "B", "C"]
    flat = " ".join(" ".join(lines).split())
    assert "A = inception-naive; B = inception-bottleneck; C = single-5x5" in flat
    for number in ("104,857,600", "+1,392.7% ×14.9", "209,780,736", "[64, 32, 32]", "5/1 @-2"):
        assert any(number in line for line in table), number
    # the labels fold instead, keeping their words: 'Activation memory (float32, batch 1)' over lines
    k = next(k for k, line in enumerate(table) if line.startswith(" Activation"))
    label = " ".join(line[:14].strip() for line in table[k:k + 4])
    assert label == "Activation memory (float32, batch 1)"


def test_layer_table_never_cuts_a_shape_or_a_count(cli, monkeypatch):
    lines = _table(cli, monkeypatch, 97, "specs/zoo/resnet50.yaml", "specs/zoo/resnet18.yaml", "--by", "layer",
                   "--depth", "2")
    # conv1 of both: 7·7·3·64 = 9,408 weights, 64×112×112 outputs, 112·112·9,408 = 118,013,952 MACs
    conv1 = next(line for line in lines if line.startswith(" conv1 "))
    assert conv1.split() == ["conv1"] + ["64×112×112"] * 2 + ["9,408"] * 2 + ["118,013,952"] * 2
    # fc: 2,048·1,000 + 1,000 = 2,049,000 against 512·1,000 + 1,000 = 513,000 parameters; the total row has
    # torchvision's 25,557,032 and 11,689,512 parameters, whole
    fc = next(line for line in lines if line.startswith(" fc "))
    assert fc.split()[:5] == ["fc", "1000", "1000", "2,049,000", "513,000"]
    total = next(line for line in lines if line.startswith(" total "))
    assert total.split()[:5] == ["total", "1000", "1000", "25,557,032", "11,689,512"]
    # a note folds: 'only in A' (resnet18 has no layer1.2) over two lines of the last column, 7 cells wide
    # ('differs'): 'only in' fills it, the space after it ends the piece
    k = next(k for k, line in enumerate(lines) if line.startswith(" layer1.2 "))
    assert lines[k].split()[-2:] == ["only", "in"] and lines[k + 1].split() == ["A"]
    assert lines[k].rindex("only") == lines[k + 1].index("A")


def test_layer_table_fits_a_narrow_terminal(cli, monkeypatch):
    """At 60 columns the counts are written with three significant digits (fmt.human: 11,689,512 → 11.7M)
    and the output shapes are left out, saying so; nothing is cut and every line fits."""
    lines = _table(cli, monkeypatch, 60, "specs/zoo/resnet18.yaml", "specs/zoo/resnet50.yaml", "--by", "layer",
                   "--depth", "2")
    assert max(len(line) for line in lines) <= 60
    total = next(line for line in lines if line.startswith(" total "))
    assert total.split() == ["total", "11.7M", "25.6M", "1.81G", "4.09G"]      # 1,814,073,344 and 4,089,184,256
    assert any("left out to fit 60 columns: B output, A output" in line for line in lines)


def test_tables_are_highlighted_on_a_colour_terminal():
    from rich.console import Console
    from cnncalc.render.compare_table import print_comparison, print_layers
    from cnncalc.render.grid import BOLD, DIM, GREEN, RESET, YELLOW

    a, b = report_of(open(NAIVE).read()), report_of(open(BOTTLENECK).read())
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system="standard")
    print_comparison(compare([a, b]), console)
    # the bottleneck's 5,120 parameters are the smaller, and its −42.9% a fall (green)
    assert f"{BOLD}{GREEN}5,120{RESET}" in out.getvalue()
    assert f"{GREEN}−42.9% ×0.571{RESET}" in out.getvalue()
    out.truncate(0)
    print_layers(compare_layers([a, b]), console)
    text = out.getvalue()
    # the total row is bold; the smaller total comes back bold after its highlight
    assert f"{BOLD}{GREEN}5,120{RESET}{BOLD}" in text
    # mixed.conv3x3.conv1 is only in the naive module: its note yellow, the missing cells a dim dash
    assert f"{YELLOW}only in{RESET}" in text and f"{DIM}—{RESET}" in text
    # the input layer is the same in both: the row is dimmed
    assert any(line.startswith(f"{DIM} input ") for line in text.splitlines())


def test_compare_table_does_not_load_rich_tables():
    import subprocess
    import sys
    for extra in ([], ["--by", "layer"]):
        # -X importtime lists every module the run imports, one a line, on standard error
        command = [sys.executable, "-X", "importtime", "-m", "cnncalc", "compare", NAIVE, BOTTLENECK, *extra]
        run = subprocess.run(command, capture_output=True, text=True, check=True)
        modules = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
        assert "cnncalc.render.grid" in modules and "rich.console" in modules
        assert "rich.table" not in modules, extra


def test_csv_long_form(cli):
    code, out, err = cli("compare", NAIVE, BOTTLENECK, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    params = [r for r in rows if r["metric"] == "params"]
    assert [int(r["value"]) for r in params] == [8_960, 5_120]
    assert params[1]["delta"] == "-3840" and params[1]["percent"] == "-42.9" and params[1]["ratio"] == "0.571"
    assert params[0]["delta"] == ""
    # the value column holds numbers only; each spec's output shape and receptive field are columns
    assert all(r["value"].isdigit() for r in rows)
    assert {r["output_shape"] for r in rows} == {"64x28x28"}
    # both blocks: a 5x5 branch over the 28x28 input at stride 1 (padding 2) sets the field: 5, stride 1, start -2
    assert {(r["receptive_field.size"], r["receptive_field.stride"], r["receptive_field.start"]) for r in rows} \
        == {("5x5", "1x1", "-2x-2")}


def test_stacked_3x3_vs_single_5x5(cli_json):
    # single: 5·5·64·64 = 102,400 weights; stacked: 2·3·3·64·64 = 73,728; ratio 18/25 = 0.72 (−28%)
    data = cli_json("compare", SINGLE, STACKED)
    change = data["totals"]["params"]["changes"][1]
    assert data["totals"]["params"]["values"] == [25 * 64 * 64, 18 * 64 * 64]
    assert change["ratio"] == "18/25" and change["percent"] == "-28.0%" and change["times"] == "x0.720"
    # both see 5×5: one 5×5 window, or 3 + (3−1)·1 = 5 for two stacked 3×3
    assert data["same_receptive_field"] is True


def test_three_specs_compare_each_with_the_first(cli_json):
    data = cli_json("compare", NAIVE, BOTTLENECK, NAIVE)
    params = data["totals"]["params"]
    assert params["values"] == [8_960, 5_120, 8_960]
    assert params["changes"][2]["delta"] == 0 and params["changes"][2]["ratio"] == "1/1"
    # two specs with one name get their source added; the same file twice gets a number
    names = [s["name"] for s in data["specs"]]
    assert len(set(names)) == 3 and names[1] == "inception-bottleneck"


def test_by_layer_full_names(cli_json):
    data = cli_json("compare", NAIVE, BOTTLENECK, "--by", "layer")
    rows = {r["name"]: r for r in data["layers"]}
    assert rows["mixed.conv1x1.conv1"]["same"] is True                 # 256 weights in both
    assert rows["mixed.conv3x3.conv1"]["present"] == [True, False]     # naive's plain 3×3
    assert rows["mixed.conv3x3.reduce_then1.reduce"]["present"] == [False, True]
    assert rows["mixed.conv3x3.reduce_then1.reduce"]["specs"][1]["params"] == 16 * 8
    assert rows["mixed.pool.proj"]["present"] == [False, True]
    order = [r["name"] for r in data["layers"]]
    # a replaced layer sits beside its replacement, and shared layers keep their order
    assert order.index("mixed.conv3x3.conv1") + 1 == order.index("mixed.conv3x3.reduce_then1.reduce")
    assert order.index("mixed.pool.maxpool1") < order.index("mixed.pool.proj") < order.index("mixed")


def test_by_layer_grouped_by_depth(cli_json):
    data = cli_json("compare", NAIVE, BOTTLENECK, "--by", "layer", "--depth", "2")
    rows = {r["name"]: r for r in data["layers"]}
    assert set(rows) == {"input", "mixed.conv1x1", "mixed.conv3x3", "mixed.conv5x5", "mixed.pool", "mixed"}
    # 3×3 branch: 2,304 naive; 128 + 1,152 = 1,280 with the bottleneck; MACs 784× each
    assert [c["params"] for c in rows["mixed.conv3x3"]["specs"]] == [2_304, 1_280]
    assert [c["macs"] for c in rows["mixed.conv3x3"]["specs"]] == [784 * 2_304, 784 * 1_280]
    assert rows["mixed.conv3x3"]["specs"][1]["layers"] == 2
    assert [c["params"] for c in rows["mixed.pool"]["specs"]] == [0, 256]
    assert all(r["present"] == [True, True] for r in data["layers"])


def test_by_layer_markdown_and_csv(cli):
    code, out, _ = cli("compare", SINGLE, STACKED, "--by", "layer", "--format", "markdown")
    assert code == 0
    # conv1: 25·64² = 102,400 vs 9·64² = 36,864; conv2 only in the stacked spec
    assert "| `conv1` | [64, 32, 32] | [64, 32, 32] | 102,400 | **36,864** |" in out
    assert "| `conv2` | — | [64, 32, 32] | — | 36,864 |" in out and "only in B" in out
    code, out, _ = cli("compare", SINGLE, STACKED, "--by", "layer", "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["layer"] == "conv2"]
    assert [r["present"] for r in rows] == ["0", "1"] and rows[1]["params"] == str(9 * 64 * 64)
    code, out, _ = cli("compare", SINGLE, STACKED, "--by", "layer")
    assert code == 0 and "only in B" in out


def test_memory_options_apply_to_every_spec(cli_json):
    data = cli_json("compare", NAIVE, BOTTLENECK, "--dtype", "float16", "--batch", "8")
    # 100,352 and 125,440 elements · 2 B · 8
    assert data["totals"]["activation_memory"]["values"] == [100_352 * 2 * 8, 125_440 * 2 * 8]
    assert data["totals"]["param_memory"]["values"] == [8_960 * 2, 5_120 * 2]   # not scaled by the batch


def test_different_outputs_are_flagged(cli_json, write):
    a = write("input: [3, 32, 32]\nlayers:\n  - conv: {out: 8, kernel: 3}\n", "a.yaml")
    b = write("input: [3, 32, 32]\nlayers:\n  - conv: {out: 8, kernel: 3, stride: 2}\n", "b.yaml")
    data = cli_json("compare", a, b)
    # valid 3×3: 30×30; stride 2: floor((32−3)/2)+1 = 15
    assert [s["output"] for s in data["specs"]] == [[8, 30, 30], [8, 15, 15]]
    assert data["same_output_shape"] is False
    assert data["same_receptive_field"] is False   # strides 1 and 2


@pytest.mark.parametrize("args", [
    ["compare", NAIVE],
    ["compare", NAIVE, "-", "-"],
    ["compare", NAIVE, BOTTLENECK, "--depth", "2"],          # --depth without --by layer
    ["compare", NAIVE, BOTTLENECK, "--by", "row"],
    ["compare", NAIVE, "no/such/file.yaml"],
])
def test_bad_usage_exits_2(cli, args):
    code, out, err = cli(*args)
    assert code == 2
    assert "Traceback" not in err


def test_bad_spec_names_the_file(cli, write):
    bad = write("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4}\n", "bad.yaml")
    code, _, err = cli("compare", NAIVE, bad)
    assert code == 2 and "bad.yaml:3" in err and "kernel" in err


# ----------------------------------------------------------------------------- exact pieces

def test_change_is_exact():
    c = Change(8_960, 5_120)
    assert c.delta == -3_840 and c.ratio == Fraction(4, 7) and c.relative == Fraction(-3, 7)
    zero = Change(0, 5)
    assert zero.ratio is None and zero.relative is None
    assert ch.change(zero, "count") == "+5 (from 0)"
    assert ch.change(Change(7, 7), "count") == "="


@pytest.mark.parametrize("q, text", [
    (Fraction(4, 7), "0.571"),           # 0.571428…
    (Fraction(5, 4), "1.25"),
    (Fraction(1), "1.00"),
    (Fraction(18, 25), "0.720"),
    (Fraction(1999, 2000), "1.00"),      # 0.9995 → rounds up to 1.000 → three digits: 1.00
    (Fraction(1999, 2), "1,000"),        # 999.5 → half-even 1000
    (Fraction(12345), "12,300"),
    (Fraction(1, 800), "0.00125"),
])
def test_significant(q, text):
    assert ch.significant(q) == text


@pytest.mark.parametrize("q, text", [
    (Fraction(-3, 7), "−42.9%"),         # −42.857…
    (Fraction(1, 4), "+25.0%"),
    (Fraction(1, 2000), "+<0.1%"),       # 0.05% rounds half-even to 0.0: shown as not zero
    (Fraction(1, 1000), "+0.1%"),
    (Fraction(0), "0.0%"),
    (Fraction(123), "+12,300.0%"),
])
def test_percent(q, text):
    assert ch.percent(q) == text


def test_merge_order():
    assert merge_order([["a", "b", "c"], ["a", "x", "c"]]) == ["a", "b", "x", "c"]
    assert merge_order([["a", "c"], ["a", "b", "c", "d"]]) == ["a", "b", "c", "d"]
    swapped = merge_order([["x", "y"], ["y", "x"]])
    assert sorted(swapped) == ["x", "y"]                       # each once, even when the orders cross
    assert merge_order([["p.a", "q.a"], ["p.b", "q.b"]]) == ["p.a", "p.b", "q.a", "q.b"]


def test_compare_layers_core():
    a = report_of("input: [4]\nlayers:\n  - dense: {out: 3}\n")
    b = report_of("input: [4]\nlayers:\n  - dense: {out: 3, bias: false}\n  - relu\n")
    lc = compare_layers([a, b])
    rows = {r.name: r for r in lc.rows}
    # 4·3 weights + 3 biases = 15 vs 12
    assert rows["dense1"].values("params") == (15, 12) and not rows["dense1"].same
    assert rows["relu1"].present == (False, True)
    assert compare([a, b]).metric("params").smallest == (1,)


def test_by_layer_aligns_two_large_specs():
    # Two generated 20,000-layer specs. B keeps A's even layers, renames every odd layer l<i> to m<i>
    # (half the names differ), and moves l5000 after l15000. Expected, derived from the alignment rule:
    # the longest common subsequence of the shared names is every shared name but the moved one (keeping
    # l5000 in place would drop the 5,000 shared names it crosses in B). Between two aligned neighbours,
    # A's names then B's names not placed yet, in one group (no dotted prefixes): so each m<i> comes right
    # after l<i>, except around the moved layer, where the gap between l4998 and l5002 holds A's l4999,
    # l5000, l5001, then B's m4999, m5001 (B's l5000 is already placed, at A's place). (The old quadratic
    # matcher took 23 s on these specs; this test checks only the result.)
    n = 20_000
    a_names = [f"l{i}" for i in range(n)]
    b_names = [f"l{i}" if i % 2 == 0 else f"m{i}" for i in range(n)]
    b_names.remove("l5000")
    b_names.insert(b_names.index("l15000") + 1, "l5000")

    def spec(names):
        return "input: [2]\nlayers:\n" + "".join(f"  - {{name: {name}, relu: {{}}}}\n" for name in names)

    a, b = report_of(spec(a_names)), report_of(spec(b_names))
    rows = compare_layers([a, b]).rows
    expected = ["input"]
    for i in range(n):
        expected.append(f"l{i}")
        if i % 2 and i not in (4999, 5001):
            expected.append(f"m{i}")
        if i == 5001:
            expected += ["m4999", "m5001"]
    assert [r.name for r in rows] == expected
    shared = set(a_names) & set(b_names)
    assert len(shared) == n // 2
    # every shared name is one row present in both specs; every other name one row present in its own
    for r in rows[1:]:
        assert r.present == (r.name in shared or r.name.startswith("l"), r.name in shared or r.name.startswith("m"))
    # each spec's own order is kept, except B's one moved layer
    position = {r.name: k for k, r in enumerate(rows)}
    assert [position[name] for name in a_names] == sorted(position[name] for name in a_names)
    kept = [name for name in b_names if name != "l5000"]
    assert [position[name] for name in kept] == sorted(position[name] for name in kept)


def test_merge_order_is_a_longest_common_subsequence():
    # A name moved far away is left out of the alignment, rather than the names it crosses:
    # B moves a to the end; the longest common subsequence is b, c, d (3), not a alone.
    assert merge_order([["a", "b", "c", "d"], ["b", "c", "d", "a"]]) == ["a", "b", "c", "d"]
    assert merge_order([["b", "c", "d", "a"], ["a", "b", "c", "d"]]) == ["b", "c", "d", "a"]
    # A = Y a b c, B = b Z c a: shared a, b, c, in B's order b c a; the longest common subsequence is
    # b c (2 names), so Z, between b and c in B, goes between them; a and Y keep A's places. (Matching
    # the longest contiguous block first found only 'a', a block of one, and put Z before it.)
    assert merge_order([["Y", "a", "b", "c"], ["b", "Z", "c", "a"]]) == ["Y", "a", "b", "Z", "c"]
