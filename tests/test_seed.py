"""The seed specs' exact figures, each derived by hand beside the assertion."""

from __future__ import annotations

from pathlib import Path

from cnncalc.analysis import analyze
from cnncalc.spec import read_spec

SEED = Path(__file__).resolve().parent.parent / "specs" / "seed"


def report(name):
    return analyze(read_spec(str(SEED / name)))


def test_inception_naive():
    r = report("inception_naive.yaml")
    c_in, c1, hw = 16, 16, 28 * 28
    weights = (1 * 1 + 3 * 3 + 5 * 5) * c_in * c1           # = 8,960, the textbook's figure
    assert r.totals.params == weights == 8960
    assert r.totals.macs == weights * hw                     # every conv keeps 28×28 ('same')
    assert r.output_shape == (3 * c1 + c_in, 28, 28)         # the pool passes its 16 channels through
    assert [a.size for a in r.output_rf] == [5, 5]           # the widest branch: 5×5


def test_inception_bottleneck_true_count_and_the_textbook_formula():
    r = report("inception_bottleneck.yaml")
    c_in, c1, c2, hw = 16, 16, 8, 28 * 28
    true = (c_in * c1                      # 1×1 branch
            + c_in * c2 + 3 * 3 * c2 * c1  # reduce, 3×3
            + c_in * c2 + 5 * 5 * c2 * c1  # reduce, 5×5
            + c_in * c1)                   # pool projection
    assert r.totals.params == true == 5120
    textbook = (1 * 1 * (3 * c1 + c2) + 3 * 3 * c2 + 5 * 5 * c2) * c1
    assert textbook == 5248
    assert textbook - true == c1 * c1 - c1 * c2     # one reduce counted as C1→C1 instead of C1→C2
    assert r.totals.macs == true * hw
    assert r.output_shape == (4 * c1, 28, 28)


def test_stacked_3x3_vs_single_5x5():
    c = 64
    stacked, single = report("stacked_3x3.yaml"), report("single_5x5.yaml")
    assert stacked.totals.params == 2 * 3 * 3 * c * c == 18 * c * c
    assert single.totals.params == 5 * 5 * c * c == 25 * c * c
    # both see 5×5 of the input: 3 + (3 − 1) = 5
    assert [a.size for a in stacked.output_rf] == [5, 5] == [a.size for a in single.output_rf]
    assert stacked.totals.macs == 18 * c * c * 32 * 32
    assert single.totals.macs == 25 * c * c * 32 * 32


def test_every_shipped_spec_analyses_and_its_rows_add_up():
    """Every seed and zoo spec: the totals are the sums of the rows, parameters split exactly into trainable
    and non-trainable, and the activation total is every row's output but the input's."""
    paths = sorted(SEED.glob("*.yaml")) + sorted((SEED.parent / "zoo").glob("*.yaml"))
    assert len(paths) >= 13
    for path in paths:
        r = analyze(read_spec(str(path)))
        t = r.totals
        assert t.params == sum(row.params for row in r.rows) > 0, path.name
        assert t.macs == sum(row.macs for row in r.rows), path.name
        assert t.flops == sum(row.flops for row in r.rows), path.name
        assert t.state == sum(row.state for row in r.rows), path.name
        assert t.trainable_params + t.non_trainable_params == t.params, path.name
        assert t.activation_elements == sum(row.activation_elements for row in r.rows if row.type != "input")
