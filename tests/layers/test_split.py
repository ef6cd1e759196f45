"""cnncalc/layers/split.py and the spec builder's expansion of an entry into parts (Layer.expand): one node per
part named NAME.0, NAME.1, …; NAME means the last part; the next entry continues from it; errors at the entry."""

from __future__ import annotations

import pytest

from conftest import report_of


def rows(text):
    return {row.name: row for row in report_of(text).rows}


def test_sizes_make_one_view_per_part_and_the_name_means_the_last():
    got = rows("""
        input: [116, 28, 28]
        layers:
          - {name: s, split: {sizes: [58, 40, 18]}}
          - {name: after, conv: {out: 4, kernel: 1}}
          - {name: by_name, from: s, conv: {out: 4, kernel: 1}}
          - {name: first, from: s.0, conv: {out: 4, kernel: 1}}
    """)
    assert [got[f"s.{i}"].output_shape for i in range(3)] == [(58, 28, 28), (40, 28, 28), (18, 28, 28)]
    assert "s" not in got
    assert all((got[f"s.{i}"].params, got[f"s.{i}"].macs, got[f"s.{i}"].flops) == (0, 0, 0) for i in range(3))
    # the next entry and `from: s` read the last part (18 channels: 18·4 + 4 params), s.0 the first (58·4 + 4)
    assert got["after"].inputs == ("s.2",) and got["after"].params == 18 * 4 + 4
    assert got["by_name"].inputs == ("s.2",)
    assert got["first"].inputs == ("s.0",) and got["first"].params == 58 * 4 + 4


def test_parts_and_automatic_names():
    got = rows("""
        input: [12, 5]
        layers:
          - split: {parts: 3}
          - {from: [split1.0, split1.1, split1], concat: {}}
          - split: {parts: 2}
    """)
    assert [got[f"split1.{i}"].output_shape for i in range(3)] == [(4, 5)] * 3
    assert got["concat1"].inputs == ("split1.0", "split1.1", "split1.2")
    assert got["split2.0"].inputs == ("concat1",) and got["split2.1"].output_shape == (6, 5)


def test_split_inside_a_block_and_a_forward_reference():
    got = rows("""
        input: [8, 6, 6]
        blocks:
          unit:
            layers:
              - {name: halves, split: {parts: 2}}
              - {name: branch, conv: {out: 4, kernel: 3, padding: 1}}
              - {from: [halves.0, branch], concat: {}}
        layers:
          - {name: u, unit: {}}
          - {name: early, from: later.1, relu: {}}
          - {name: later, from: u, split: {sizes: [2, 6]}}
    """)
    assert got["u.branch"].inputs == ("u.halves.1",)
    assert got["u.concat1"].inputs == ("u.halves.0", "u.branch") and got["u.concat1"].output_shape == (8, 6, 6)
    assert got["early"].inputs == ("later.1",) and got["early"].output_shape == (6, 6, 6)


def test_the_shufflenet_example_of_the_docs():
    got = rows("""
        input: [116, 28, 28]
        layers:
          - {name: halves, split: {parts: 2}}         # halves.0, halves.1: [58, 28, 28] each
          - {conv: {out: 58, kernel: 1}}              # reads halves.1, the last part
          - batchnorm
          - relu
          - {name: branch, depthwise_conv: {kernel: 3, padding: 1}}
          - {from: [halves.0, branch], concat: {}}
    """)
    assert got["conv1"].inputs == ("halves.1",) and got["concat1"].output_shape == (116, 28, 28)


@pytest.mark.parametrize("layers, where, message", [
    ("  - {split: {sizes: [3, 4]}}\n", "spec.yaml:3:", "split sizes [3, 4] sum to 7, but the input has 8 channels"),
    ("  - relu\n  - {split: {parts: 3}}\n", "spec.yaml:4:", "3 does not divide the 8 input channels"),
    ("  - {name: s, split: {parts: 2}}\n  - {from: s.2, relu: {}}\n", "spec.yaml:4:", "'from' names 's.2'"),
    ("  - {split: {parts: 2, sizes: [4, 4]}}\n", "spec.yaml:3:", "split takes 'sizes'"),
    ("  - {split: {}}\n", "spec.yaml:3:", "split takes 'sizes'"),
    ("  - {split: {sizes: [8]}}\n", "spec.yaml:3:", "two or more channel counts"),
    ("  - {name: s.0, relu: {}}\n  - {name: s, from: input, split: {parts: 2}}\n", "spec.yaml:4:",
     "the name 's.0' is used twice"),
])
def test_errors_exit_2_at_the_entry(cli, write, layers, where, message):
    code, _, err = cli("analyze", write("input: [8, 4, 4]\nlayers:\n" + layers))
    assert code == 2, err
    assert err.startswith("cnncalc: error: ") and where in err and message in err
    assert "Traceback" not in err
