"""The per-layer columns (cnncalc/render/columns.py): one table that every format reads. `--columns` selects for
every format; each format's defaults are the table's; the values of every format agree with each other for
every shipped spec; and one small spec's figures against a count by hand."""

from __future__ import annotations

import csv
import io
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from cnncalc.analysis import analyze
from cnncalc.devices import load_shipped
from cnncalc.metrics import Figures, Settings
from cnncalc.render import report as documents
from cnncalc.render.columns import BY_NAME, COLUMNS, DEFAULTS, FORMATS, FORMER, Context, parse, select
from cnncalc.render.text import md_text, shown
from cnncalc.spec import read_spec

ROOT = Path(__file__).resolve().parent.parent
SINGLE = str(ROOT / "specs/seed/single_5x5.yaml")
SPECS = sorted(str(p) for p in (ROOT / "specs").glob("*/*.yaml") if p.name != "budgets.yaml")
EVERY = [column.name for column in COLUMNS]


def md_layer_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows (the total row last) of a Markdown report's per-layer table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Layer |") or
                 (line.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|--") and
                  not line.startswith("| |")))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return table[0], [row for row in table[2:]]


def table_header(out: str) -> str:
    """The header line of the terminal table (the line above the rule)."""
    lines = out.splitlines()
    return next(lines[i - 1] for i, line in enumerate(lines) if line.strip().startswith("───"))


def headings_in(line: str, titles: list[str]) -> bool:
    """Whether ``line`` holds exactly the ``titles``, in that order, and nothing else."""
    rest = line
    for title in titles:
        at = rest.find(title)
        if at < 0 or rest[:at].strip():
            return False
        rest = rest[at + len(title):]
    return not rest.strip()


# ----------------------------------------------------------------------------- the table itself

def test_every_name_is_one_snake_case_word_declared_once():
    names = [column.name for column in COLUMNS]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z][a-z_]*", name) for name in names)
    assert set(FORMATS) == set(DEFAULTS)
    for chosen in DEFAULTS.values():
        assert set(chosen) <= set(names) and len(set(chosen)) == len(chosen)
    assert not set(FORMER) & set(names) and set(FORMER.values()) <= set(names)
    titles = [column.title for column in COLUMNS]
    assert len(set(titles)) == len(titles)                 # no two columns look alike to people


def test_parse_names_and_refuses_unknown_ones():
    assert parse("name, Params,macs") == ("name", "params", "macs")
    for text, said in (("name,parms", "did you mean 'params'"), ("rf", "now called 'receptive_field'"),
                       ("name,name", "named twice"), ("", "unknown column ''")):
        with pytest.raises(ValueError, match=said):
            parse(text)


# ----------------------------------------------------------------------------- --columns in every format

def test_columns_select_exactly_those_in_every_format(cli):
    chosen = ["name", "params", "macs"]
    code, out, err = cli("analyze", SINGLE, "--columns", ",".join(chosen))
    assert code == 0, err
    assert headings_in(table_header(out), ["Layer", "Params", "MACs"])
    code, out, err = cli("analyze", SINGLE, "--format", "markdown", "--columns", ",".join(chosen))
    assert code == 0, err
    assert md_layer_table(out)[0] == ["Layer", "Params", "MACs"]
    code, out, err = cli("analyze", SINGLE, "--format", "csv", "--columns", ",".join(chosen))
    assert code == 0, err
    assert out.splitlines()[0] == "name,params,macs"
    code, out, err = cli("analyze", SINGLE, "--format", "json", "--columns", ",".join(chosen))
    assert code == 0, err
    assert all(list(layer) == chosen for layer in json.loads(out)["layers"])
    figures = Figures(analyze(read_spec(SINGLE)))
    heads = re.findall(r"<th>(.*?)</th>", documents.report_html(figures, chosen).split("<thead>")[1])
    assert heads == ["Layer", "Params", "MACs"]
    # in the order given
    code, out, _ = cli("analyze", SINGLE, "--format", "csv", "--columns", "macs,name")
    assert code == 0 and out.splitlines()[0] == "macs,name"


@pytest.mark.parametrize("output_format", ["table", "markdown", "csv", "json"])
def test_an_unknown_column_is_a_usage_error_listing_the_names(cli, output_format):
    code, out, err = cli("analyze", SINGLE, "--format", output_format, "--columns", "name,flopz")
    assert code == 2 and not out
    assert "unknown column 'flopz' (did you mean 'flops'?)" in err and ", ".join(EVERY) in err
    assert "Traceback" not in err


def test_the_defaults_of_every_format_are_the_tables(cli):
    device = ("--device", "t4")
    for extra, need in (((), False), (device, True)):
        def titles(fmt):
            return [BY_NAME[n].title for n in DEFAULTS[fmt] if need or not BY_NAME[n].needs]
        code, out, _ = cli("analyze", SINGLE, *extra)
        assert code == 0 and headings_in(table_header(out), titles("table"))
        code, out, _ = cli("analyze", SINGLE, "--format", "markdown", *extra)
        assert code == 0 and md_layer_table(out)[0] == titles("markdown")
    code, out, _ = cli("analyze", SINGLE, "--format", "csv")
    assert out.splitlines()[0].split(",") == [h for n in DEFAULTS["csv"] for h in BY_NAME[n].headers]
    code, out, _ = cli("analyze", SINGLE, "--format", "json")
    assert all(tuple(layer) == DEFAULTS["json"] for layer in json.loads(out)["layers"])
    spec = read_spec(SINGLE)
    page = documents.report_html(Figures(analyze(spec), spec.graph))
    assert re.findall(r"<th>(.*?)</th>", page.split("<thead>")[1]) == \
        [BY_NAME[n].title for n in DEFAULTS["html"] if not BY_NAME[n].needs]


# ----------------------------------------------------------------------------- the values agree

def _fraction(text: str):
    return None if text == "?" else Fraction(text)


def _per_axis(text: str, axes: int) -> list:
    """fmt.per_axis's text back to one value per axis ('7' stands for every axis)."""
    values = [_fraction(part) for part in text.strip("()").split("×")]
    return values * axes if len(values) == 1 else values


def _rf_from_json(rf: dict) -> list[list]:
    den = rf.get("denominator", 1)
    return [[None if v is None else Fraction(v, den) for v in rf[key]] for key in ("size", "stride", "start")]


def _rf_from_people(text: str, axes: int) -> list[list]:
    if text == "-":
        return [[], [], []]
    field, start = text.split(" @")
    size, stride = re.fullmatch(r"(\([^)]*\)|[^/]+)/(\([^)]*\)|[^/]+)", field).groups()
    return [_per_axis(size, axes), _per_axis(stride, axes), _per_axis(start, axes)]


def _close(shown_text: str, exact, scale: Fraction = Fraction(1)) -> bool:
    """Whether ``exact`` rounds to the decimal ``shown_text`` (× scale): within half its last digit."""
    number = shown_text.replace(",", "")
    decimals = len(number.split(".")[1]) if "." in number else 0
    return abs(Fraction(number) * scale - exact) <= Fraction(1, 2 * 10**decimals) * scale


BINARY = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
TIMES = {"s": Fraction(1), "ms": Fraction(1, 10**3), "µs": Fraction(1, 10**6), "ns": Fraction(1, 10**9)}


def _people_agrees(name: str, cell: str, value, axes: int) -> bool:
    """Whether a Markdown cell says what the JSON value says, read back by the column's unit."""
    cell = cell.removeprefix("**").removesuffix("**")
    if name in ("name", "type", "label", "bound"):
        return cell == md_text(value or "")
    if name == "inputs":
        return cell == md_text(", ".join(value))
    if name == "shares":
        return cell == md_text(value or "")
    if name == "output_shape":
        return cell == "×".join(map(str, value))
    if name == "receptive_field":
        return _rf_from_people(cell, axes) == _rf_from_json(value)
    if name in ("params_share", "macs_share"):
        return cell == "-" if value is None else _close(cell.rstrip("%"), Fraction(value) * 100)
    if name in ("param_bytes", "activation_bytes"):
        number, unit = cell.split(" ")
        return _close(number, Fraction(value), Fraction(BINARY[unit]))
    if name == "latency":
        if value is None:
            return cell == "-"
        number, unit = cell.removeprefix("≥ ").split(" ")
        return _close(number, Fraction(value["seconds"], value.get("denominator", 1)), TIMES[unit])
    return cell.replace(",", "") == str(value)                 # a count


def _csv_agrees(name: str, cells: list[str], value) -> bool:
    """Whether a CSV row's cells of one column say exactly what the JSON value says."""
    if name == "receptive_field":
        return [[_fraction(v) for v in cell.split("x")] if cell else [] for cell in cells] == _rf_from_json(value)
    (cell,) = cells
    if name == "inputs":
        return cell == ";".join(shown(n) for n in value)
    if name in ("name", "type", "label", "bound", "shares"):
        return cell == shown(value or "")
    if name == "output_shape":
        return cell == "x".join(map(str, value))
    if name in ("params_share", "macs_share"):
        return cell == (value or "")
    if name == "latency":
        return cell == "" if value is None else \
            Fraction(cell) == Fraction(value["seconds"], value.get("denominator", 1))
    return cell == str(value)                                  # an exact int


@pytest.mark.parametrize("path", SPECS, ids=lambda p: Path(p).stem)
def test_every_format_says_the_same_for_every_shipped_spec(path):
    spec = read_spec(path)
    figures = Figures(analyze(spec), spec.graph, Settings(device=load_shipped("t4")))
    data = json.loads(documents.report_json(figures, EVERY))
    layers, axes = data["layers"], len(data["receptive_field"]["size"])
    assert [layer["name"] for layer in layers] == [row.name for row in figures.report.rows]
    totals = data["totals"]
    for layer in layers:       # the derived columns, from the layer's own counts (float32: 4 bytes an element)
        assert layer["activation_bytes"] == 4 * layer["activation_elements"]
        assert layer["param_bytes"] == 4 * (layer["params"] + layer["state"])
        for key in ("params", "macs"):
            assert layer[f"{key}_share"] == (f"{Fraction(layer[key], totals[key]).numerator}/"
                                             f"{Fraction(layer[key], totals[key]).denominator}"
                                             if totals[key] else None)
    # CSV: every cell exactly the JSON value
    rows = list(csv.reader(io.StringIO(documents.report_csv(figures, EVERY))))
    header, rows = rows[0], rows[1:]
    assert header == [h for column in COLUMNS for h in column.headers] and len(rows) == len(layers)
    for layer, cells in zip(layers, rows):
        at = 0
        for column in COLUMNS:
            width = len(column.headers)
            assert _csv_agrees(column.name, cells[at:at + width], layer[column.name]), (layer["name"], column.name)
            at += width
    # Markdown: every cell read back agrees with the JSON value; the total row with the JSON totals
    heading, md_rows = md_layer_table(documents.report_markdown(figures, columns=EVERY))
    assert heading == [column.title for column in COLUMNS] and len(md_rows) == len(layers) + 1
    for layer, cells in zip(layers, md_rows):
        for column, cell in zip(COLUMNS, cells):
            assert _people_agrees(column.name, cell, layer[column.name], axes), (layer["name"], column.name, cell)
    totals, memory = data["totals"], data["memory"]
    expected = {"params": totals["params"], "trainable_params": totals["trainable_params"],
                "state": totals["state"], "macs": totals["macs"], "flops": totals["flops"],
                "activation_elements": totals["activation_elements"], "param_bytes": memory["param_bytes"],
                "activation_bytes": memory["activation_bytes"], "output_shape": data["output"],
                "receptive_field": data["receptive_field"], "name": "total",
                "latency": {"seconds": data["latency"]["seconds"], "denominator": data["latency"].get("denominator", 1)}}
    for column, cell in zip(COLUMNS, md_rows[-1]):
        if column.name in expected:
            assert _people_agrees(column.name, cell, expected[column.name], axes), (column.name, cell)
    assert md_rows[-1][EVERY.index("params_share")] == "**100.0%**" or totals["params"] == 0


# ----------------------------------------------------------------------------- one spec by hand

def test_single_5x5_by_hand_in_every_format(cli):
    # specs/seed/single_5x5.yaml: input 64×32×32; conv 5×5, 64 → 64 channels, padding 2, no bias; relu.
    # conv params: 5·5·64·64 = 102,400 weights, no bias.
    # conv MACs: one 5·5·64 = 1,600-tap dot product per output element, 64·32·32 = 65,536 of them:
    #   1,600 · 65,536 = 104,857,600. FLOPs: 2 · MACs = 209,715,200 (no bias add).
    # relu: 65,536 FLOPs (one max per element), no params or MACs.
    # every output 64·32·32 = 65,536 elements · 4 bytes (float32) = 262,144 B = 256 KiB.
    # receptive field after the conv: size 5, stride 1, start −2 (padding 2) on both axes.
    chosen = "name,params,macs,flops,activation_bytes,receptive_field"
    conv = {"name": "conv1", "params": 102400, "macs": 104857600, "flops": 209715200,
            "activation_bytes": 262144, "receptive_field": {"size": [5, 5], "stride": [1, 1], "start": [-2, -2]}}
    code, out, _ = cli("analyze", SINGLE, "--format", "json", "--columns", chosen)
    assert code == 0 and json.loads(out)["layers"][1] == conv
    code, out, _ = cli("analyze", SINGLE, "--format", "csv", "--columns", chosen)
    assert out.splitlines()[0] == ("name,params,macs,flops,activation_bytes,receptive_field.size,"
                                   "receptive_field.stride,receptive_field.start")
    assert out.splitlines()[2] == "conv1,102400,104857600,209715200,262144,5x5,1x1,-2x-2"
    code, out, _ = cli("analyze", SINGLE, "--format", "markdown", "--columns", chosen)
    _, rows = md_layer_table(out)
    assert rows[1] == ["conv1", "102,400", "104,857,600", "209,715,200", "256 KiB", "5/1 @-2"]
    # total: 102,400 params; FLOPs 209,715,200 + 65,536 = 209,780,736; activations without the input: 512 KiB
    assert rows[-1] == ["**total**", "**102,400**", "**104,857,600**", "**209,780,736**", "**512 KiB**",
                        "**5/1 @-2**"]
    code, out, _ = cli("analyze", SINGLE, "--columns", chosen)
    conv_line = next(line for line in out.splitlines() if line.strip().startswith("conv1"))
    assert conv_line.split() == ["conv1", "102,400", "104,857,600", "209,715,200", "256", "KiB", "5/1", "@-2"]


def test_a_column_that_needs_a_device_is_left_out_of_the_defaults_without_one():
    report = analyze(read_spec(SINGLE))
    assert "latency" not in [c.name for c in select(None, "table", Context(report))]
    with pytest.raises(ValueError, match="needs --device"):
        select(["latency"], "csv", Context(report))
