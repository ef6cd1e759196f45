"""compare --sweep as a grid (repeated --sweep) and --pareto (docs/spec.md, "Arguments and expressions"),
and the Pareto front itself (cnncalc.comparison.pareto)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st
from test_cli_spec_args import path, run  # noqa: F401  (the family spec of --sweep's tests, as a fixture)

from cnncalc.comparison import pareto, pareto_keys

def test_pareto_by_hand():
    points = [(1, 5), (2, 2), (3, 1), (2, 3), (1, 5), (4, 4)]
    # (2, 3) is dominated by (2, 2); (4, 4) by (2, 2); the two (1, 5) are equal: both kept
    assert pareto(points) == (0, 1, 2, 4)
    assert pareto([]) == () and pareto([(7,)]) == (0,)
    assert pareto([(3,), (1,), (1,), (2,)]) == (1, 2)                 # one figure: the smallest, ties kept


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)), max_size=30))
def test_pareto_is_the_definition(points):
    def dominated(p):
        return any(all(a <= b for a, b in zip(q, p)) and q != p for q in points)
    assert pareto(points) == tuple(i for i, p in enumerate(points) if not dominated(p))


def test_pareto_keys():
    assert pareto_keys("params,macs:max, peak_memory:min") == (("params", False), ("macs", True),
                                                                ("peak_memory", False))
    for bad, words in (("parms", "did you mean 'params'"), ("params,params:max", "twice"),
                       ("macs:maxx", "KEY:max")):
        with pytest.raises(ValueError, match=words):
            pareto_keys(bad)


def test_two_sweeps_make_the_grid(path):
    result = run("compare", path, "--sweep", "width=0.5,1.0,2.0", "--sweep", "size=4,8", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [one["name"] for one in data["specs"]] == [
        "width=0.5 size=4", "width=0.5 size=8", "width=1.0 size=4", "width=1.0 size=8",
        "width=2.0 size=4", "width=2.0 size=8"]
    # out 8, 16, 32 (make_divisible(16·w, 8)); params 3·9·out + out = 28·out; MACs 27·out·size²
    assert data["totals"]["params"]["values"] == [224, 224, 448, 448, 896, 896]
    assert data["totals"]["macs"]["values"] == [27 * 8 * 16, 27 * 8 * 64, 27 * 16 * 16, 27 * 16 * 64,
                                                27 * 32 * 16, 27 * 32 * 64]


def test_pareto_keeps_the_front(path):
    # params:max, macs: at each width the smaller input has the same parameters and fewer MACs, so size=4
    # dominates size=8; across widths more parameters cost more MACs: the three size=4 columns remain
    result = run("compare", path, "--sweep", "width=0.5,1.0,2.0", "--sweep", "size=4,8",
                 "--pareto", "params:max,macs", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [one["name"] for one in data["specs"]] == ["width=0.5 size=4", "width=1.0 size=4", "width=2.0 size=4"]
    # params and macs both smaller is better: width=0.5 size=4 (224, 3,456) dominates every other: one column
    result = run("compare", path, "--sweep", "width=0.5,1.0,2.0", "--sweep", "size=4,8", "--pareto", "params,macs",
                 "-f", "json")
    assert result.exit_code == 0, result.output
    assert [one["name"] for one in json.loads(result.output)["specs"]] == ["width=0.5 size=4"]
    # on two specs without a sweep too
    result = run("compare", "zoo:resnet18", "zoo:resnet50", "--pareto", "params", "-f", "json")
    assert [one["name"] for one in json.loads(result.output)["specs"]] == ["resnet18"]


def test_sweep_and_pareto_errors(path, monkeypatch):
    twice = run("compare", path, "--sweep", "width=1,2", "--sweep", "width=3,4")
    assert twice.exit_code == 2 and "--sweep width is given twice" in twice.output
    import cnncalc.cli.compare as command
    monkeypatch.setattr(command, "MAX_GRID", 5)
    big = run("compare", path, "--sweep", "width=1,2,3", "--sweep", "size=4,8")
    assert big.exit_code == 2 and "6 combinations; at most 5" in big.output
    layer = run("compare", path, "--sweep", "width=1,2", "--pareto", "params", "--by", "layer")
    assert layer.exit_code == 2 and "does not apply to --by layer" in layer.output
    latency = run("compare", path, "--sweep", "width=1,2", "--pareto", "latency")
    assert latency.exit_code == 2 and "needs --device" in latency.output
    unknown = run("compare", path, "--sweep", "width=1,2", "--pareto", "mac")
    assert unknown.exit_code == 2 and "did you mean 'macs'" in unknown.output
