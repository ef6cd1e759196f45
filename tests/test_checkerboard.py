"""cnncalc/checkerboard.py and `cnncalc checkerboard`: the overlap map of transposed convolutions, with
dilation, its interior period, its limits, and analyze never importing numpy for it.

Every map is derived here by nested loops over every input position and tap (tests/oracles.py and
overlap_loops_dilated below); huge cases by hand in a comment.
"""

from __future__ import annotations

import pytest

from oracles import overlap_loops


@pytest.mark.parametrize("size, k, s, dims, stack", [(4, 3, 2, 1, 1), (4, 3, 2, 2, 1), (2, 4, 3, 2, 1),
                                                     (4, 4, 2, 2, 1), (3, 3, 2, 1, 2), (2, 3, 2, 2, 2),
                                                     (3, 5, 1, 1, 3)])
def test_overlap_maps_match_nested_loops(size, k, s, dims, stack):
    from cnncalc.checkerboard import overlap
    result = overlap(k, s, dims, stack, size)
    assert result.grid.tolist() == overlap_loops(size, k, s, dims, stack)


@pytest.mark.parametrize("k, s, stack", [(3, 2, 1), (4, 2, 1), (4, 3, 1), (3, 2, 2), (4, 2, 3), (5, 3, 2)])
def test_interior_period_matches_a_long_input(k, s, stack):
    from cnncalc.checkerboard import overlap
    result = overlap(k, s, 1, stack, 2)
    long = overlap_loops(40, k, s, 1, stack)
    period = len(result.period)
    middle = len(long) // 2 // period * period        # an index ≡ 0 mod the period, far from both edges
    assert tuple(long[middle:middle + period]) == result.period


def test_checkerboard_textbook_example():
    from cnncalc.checkerboard import overlap
    result = overlap(4, 3, 2, 1, 2)
    # input 0 writes 0..3, input 1 writes 3..6: position 3 gets both, per axis
    assert result.output_size == 7
    axis = [1, 1, 1, 2, 1, 1, 1]
    assert result.grid.tolist() == [[a * b for b in axis] for a in axis]
    assert not result.even


def test_checkerboard_cli_uneven(cli):
    code, out, err = cli("checkerboard", "--kernel", "3", "--stride", "2")
    assert code == 0, err
    # 4 inputs → 9 positions per axis; per axis (nested loops): 1 1 2 1 2 1 2 1 1
    axis = overlap_loops(4, 3, 2, 1, 1)
    assert axis == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    lines = [line.split() for line in out.splitlines()]
    grid = [[int(v) for v in line] for line in lines if len(line) == 9 and all(v.isdigit() for v in line)]
    assert grid == [[a * b for b in axis] for a in axis]
    assert "uneven" in out and "1 to 4 taps" in out


def test_checkerboard_cli_even(cli):
    code, out, err = cli("checkerboard", "--kernel", "4", "--stride", "2")
    assert code == 0, err
    assert "uneven" not in out
    assert "even: every interior position gets 4 taps" in out


def test_checkerboard_cli_limits(cli):
    code, out, err = cli("checkerboard", "--kernel", "9", "--stride", "8", "--stack", "3")
    assert code == 2 and "positions per axis" in err


def test_analyze_does_not_import_numpy():
    import subprocess
    import sys
    code = ("import sys; from cnncalc.cli import main; "
            "from click.testing import CliRunner; "
            "r = CliRunner().invoke(main, ['analyze', '-', '-f', 'json'], "
            "input='input: [1, 4, 4]\\nlayers:\\n  - conv_transpose: {out: 1, kernel: 3, stride: 2}\\n'); "
            "assert r.exit_code == 0, r.output; print('numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def overlap_loops_dilated(size, kernel, stride, dilation, stack):
    """Taps reaching each output position of `stack` transposed convolutions: every position, every tap."""
    counts = [1] * size
    for _ in range(stack):
        out = [0] * ((len(counts) - 1) * stride + dilation * (kernel - 1) + 1)
        for i, c in enumerate(counts):
            for t in range(kernel):
                out[i * stride + t * dilation] += c
        counts = out
    return counts


@pytest.mark.parametrize("k, s, d, stack", [(3, 2, 1, 1), (4, 2, 2, 1), (3, 2, 3, 1), (4, 6, 4, 1), (3, 2, 2, 2),
                                            (2, 3, 2, 2), (5, 4, 2, 1), (3, 3, 2, 2)])
def test_dilated_maps_and_interior_match_loops(k, s, d, stack):
    from cnncalc.checkerboard import overlap
    size = 2
    result = overlap(k, s, 1, stack, size, d)
    assert list(result.axis_counts) == overlap_loops_dilated(size, k, s, d, stack)
    long = overlap_loops_dilated(40, k, s, d, stack)
    period = s**stack
    assert len(result.period) == period
    middle = len(long) // 2 // period * period        # ≡ 0 mod the period, far from both edges
    assert tuple(long[middle:middle + period]) == result.period


def test_dilation_one_keeps_the_maps():
    from cnncalc.checkerboard import overlap
    result = overlap(3, 2, 2, 2, 3)
    assert result.grid.tolist() == overlap_loops(3, 3, 2, 2, 2)


def test_output_size_stops_early():
    from cnncalc.checkerboard import output_size, period_length
    assert output_size(4, 1, 1, 10**8) == 4               # kernel 1, stride 1: the identity, every layer
    assert output_size(1, 1, 7, 10**8) == 1               # one position, kernel 1: (1−1)·7 + 1
    # 4 → 9 → 19 → 39 → 79 ((n−1)·2 + 3): stops at the first size past 64
    assert output_size(4, 3, 2, 10**8, limit=64) == 79
    assert period_length(2, 10**8, limit=4096) == 8192     # 2^13, the first power past 4096
    assert period_length(1, 10**8) == 1


def test_checkerboard_cli_with_a_hundred_million_identity_layers(cli):
    code, out, err = cli("checkerboard", "--kernel", "1", "--stride", "1", "--stack", "100000000", "--dims", "1")
    assert code == 0, err
    # kernel 1, stride 1 copies its input: 4 positions of 1 tap path each, however many layers
    assert "input 4 → output 4" in out
    assert "even: every interior position gets 1 taps" in out


@pytest.mark.parametrize("args, hint", [
    (["--kernel", "3", "--stride", "2", "--stack", "100000000"], "positions per axis"),
    (["--kernel", "1", "--stride", "2", "--stack", "100000000", "--positions", "1"], "interior pattern"),
    (["--kernel", "2", "--stride", "1000000000000", "--positions", "1"], "interior pattern"),
])
def test_checkerboard_cli_refuses_what_it_cannot_draw(cli, args, hint):
    code, out, err = cli("checkerboard", *args)
    assert code == 2 and hint in err
