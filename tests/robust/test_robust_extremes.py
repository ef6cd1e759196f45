"""Exactness at the extremes: 10^12-parameter layers, 10^15 MACs, 10^5 × 10^5 inputs — every figure exact in
the table, JSON and CSV. Expected integers are derived here from the layer definitions
(docs/conventions.md), never copied from cnncalc's output. Budgets (`cnncalc check`) at these sizes too.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from cnncalc.cli import main


def run(path, fmt):
    result = CliRunner().invoke(main, ["analyze", path, "--format", fmt], env={"COLUMNS": "320"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def dense_case():
    """flatten [10^6, 1] → dense 10^6 units, with bias."""
    n = 10**6
    params = n * n + n               # weights in·out + one bias per unit: 10^12 + 10^6
    macs = n * n                     # in·out, bias excluded
    flops = 2 * macs + n             # a multiply and an add per MAC, one add per bias
    text = f"input: [{n}, 1]\nlayers:\n  - flatten\n  - {{name: huge, dense: {{out: {n}}}}}\n"
    return text, {"params": params, "macs": macs, "flops": flops, "activation_elements": n + n,
                  "layer": "huge", "layer_params": params}


def conv_case():
    """A 1×1 conv from 100 to 1,000 channels on a 10^5 × 10^5 input: 10^15 MACs."""
    side, c_in, c_out = 10**5, 100, 1000
    positions = side * side                      # kernel 1, stride 1, no padding: 10^10 output positions
    out_elements = c_out * positions             # 10^13
    macs = out_elements * c_in                   # c_in taps per output element: 10^15
    params = c_out * c_in + c_out                # weights + bias: 101,000
    flops = 2 * macs + out_elements              # + one bias add per output element
    text = f"input: [{c_in}, {side}, {side}]\nlayers:\n  - {{name: wide, conv: {{out: {c_out}, kernel: 1}}}}\n"
    return text, {"params": params, "macs": macs, "flops": flops, "activation_elements": out_elements,
                  "layer": "wide", "layer_params": params}


def strided_case():
    """3×3 conv, stride 2, padding 1 on 3 × 10^5 × 10^5 to 64 channels, then 2×2 max pooling."""
    side = 10**5
    conv_side = (side + 2 * 1 - 3) // 2 + 1                 # floor((n + 2p − k)/s) + 1 = 50,000
    conv_elements = 64 * conv_side**2
    conv_macs = conv_elements * 3 * 9                       # 3 input channels × 9 taps per output
    conv_params = 64 * 3 * 9 + 64
    pool_side = (conv_side - 2) // 2 + 1                    # 25,000
    pool_elements = 64 * pool_side**2
    pool_flops = pool_elements * (4 - 1)                    # k − 1 comparisons per output, k = 4 taps
    conv_flops = 2 * conv_macs + conv_elements
    text = (f"input: [3, {side}, {side}]\nlayers:\n  - {{name: stem, conv: {{out: 64, kernel: 3, stride: 2, "
            f"padding: 1}}}}\n  - {{maxpool: {{kernel: 2}}}}\n")
    return text, {"params": conv_params, "macs": conv_macs, "flops": conv_flops + pool_flops,
                  "activation_elements": conv_elements + pool_elements, "layer": "stem",
                  "layer_params": conv_params}


CASES = {"dense": dense_case, "conv": conv_case, "strided": strided_case}


@pytest.fixture(params=sorted(CASES))
def case(request, tmp_path):
    text, expected = CASES[request.param]()
    path = tmp_path / f"{request.param}.yaml"
    path.write_text(text)
    return str(path), expected


def test_json_is_exact(case):
    path, expected = case
    data = json.loads(run(path, "json"))
    for key in ("params", "macs", "flops", "activation_elements"):
        assert data["totals"][key] == expected[key], key
        assert type(data["totals"][key]) is int
    layer = next(layer for layer in data["layers"] if layer["name"] == expected["layer"])
    assert layer["params"] == expected["layer_params"]
    # float32: 4 bytes per element, exact
    assert data["memory"]["activation_bytes"] == 4 * expected["activation_elements"]


def test_csv_is_exact(case):
    path, expected = case
    rows = list(csv.DictReader(io.StringIO(run(path, "csv"))))
    # layer rows only (no total row): the columns add up to the totals; the totals' activations leave the
    # input row out
    assert all(row["name"] != "total" for row in rows) and rows[0]["type"] == "input"
    for key in ("params", "macs", "flops", "activation_elements"):
        assert sum(int(row[key]) for row in rows[1:]) == expected[key], key
    layer = next(row for row in rows if row["name"] == expected["layer"])
    assert int(layer["params"]) == expected["layer_params"]


def test_table_is_exact(case):
    path, expected = case
    text = run(path, "table")
    for key in ("params", "macs", "flops"):
        assert f"{expected[key]:,}" in text, (key, f"{expected[key]:,}")


def test_markdown_is_exact(case):
    path, expected = case
    text = run(path, "markdown")
    for key in ("params", "macs", "flops"):
        assert f"{expected[key]:,}" in text, key


def test_table_at_the_default_width_is_exact(case):
    """At 100 columns names fold, but no number is ever cut."""
    path, expected = case
    result = CliRunner().invoke(main, ["analyze", path], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    for key in ("params", "macs", "flops"):
        assert f"{expected[key]:,}" in result.stdout, key


@pytest.mark.parametrize("metric, option", [("params", "--max-params"), ("macs", "--max-macs"),
                                            ("flops", "--max-flops")])
def test_budget_is_exact(case, metric, option):
    """A limit equal to the exact figure passes; one less fails; JSON carries both exactly."""
    path, expected = case
    exact = expected[metric]
    ok = CliRunner().invoke(main, ["check", path, option, str(exact), "--format", "json"])
    assert ok.exit_code == 0, ok.stderr
    record = json.loads(ok.stdout)["checks"][0]
    assert (record["actual"], record["limit"], record["passed"]) == (exact, exact, True)
    over = CliRunner().invoke(main, ["check", path, option, str(exact - 1), "--format", "json"])
    assert over.exit_code == 1
    record = json.loads(over.stdout)["checks"][0]
    assert (record["actual"], record["limit"], record["passed"]) == (exact, exact - 1, False)
