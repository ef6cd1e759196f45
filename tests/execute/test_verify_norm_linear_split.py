"""verify runs a small network with every normalisation, linear and split and agrees with the analysis
(shapes and receptive fields, executed in numpy)."""

from __future__ import annotations

SPEC = """
input: [8, 9, 9]
layers:
  - {conv: {out: 8, kernel: 3}}
  - {name: s, split: {sizes: [3, 5]}}
  - {layernorm: {}}
  - {linear: {out: 6}}
  - {groupnorm: {groups: 2}}
  - {from: s.0, conv: {out: 2, kernel: 3, padding: 1}}
  - {instancenorm: {affine: true}}
  - {name: j, from: [instancenorm1, t.1], concat: {}}
  - {name: t, from: groupnorm1, split: {parts: 2}}
  - {from: t.0, instancenorm: {track_running_stats: true}}
  - {layernorm: {over: all}}
"""


def test_verify_agrees(cli, write):
    code, out, err = cli("verify", write(SPEC))
    assert code == 0, out + err
    assert "verify: the analysis agrees with the execution" in out
    # the conv's 3×3 field passes unchanged through the norms, linear and splits (s.0's conv adds 2). (A split
    # of a concat whose inputs have different fields is not here: its parts get the union, which verify flags.)
    assert "Receptive fields agree: 14/14 layers" in out
