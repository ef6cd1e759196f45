"""--planner and check's --max-arena: the arena of cnncalc.planner through analyze, check and the API.

The spec below at int8, batch 1, by hand (docs/conventions.md, "Liveness" and "Memory planners"): x the input
1×4×4 = 16 B, a = conv 1→2 (1×1) 32 B, b = relu(a) 32 B, c = conv 2→1 16 B, the output. Steps 0..3; alive:
x 0–1, a 1–2, b 2–3, c 3 (to the end). Bytes alive: 48, 64, 48: the peak is 64.
Greedy by size (TF-Lite Micro: largest first, a tie to the tensor added later): b at 0; a, alive with b at step
2, at 32; c (added after x), alive with b at step 3, at 32; x, alive with a at step 1 only, at 0. Arena
max(0+32, 32+32, 32+16, 0+16) = 64 = the peak: no fragmentation. Linear (no reuse): 16 + 32 + 32 + 16 = 96.
"""

from __future__ import annotations

import json

import cnncalc

SPEC = """
input: [1, 4, 4]
defaults: {bias: false}
layers:
  - {name: a, conv: {out: 2, kernel: 1}}
  - {name: b, relu: {}}
  - {name: c, conv: {out: 1, kernel: 1}}
"""


def test_analyze_shows_the_arena_of_the_planner(cli, write):
    code, out, err = cli("analyze", write(SPEC), "--dtype", "int8", "--planner", "greedy-by-size", "--format",
                         "json")
    assert code == 0, err
    arena = json.loads(out)["arena"]
    assert (arena["planner"], arena["arena_bytes"], arena["peak_bytes"], arena["fragmentation_bytes"]) == \
        ("greedy-by-size", 64, 64, 0)
    assert {o["tensor"]: o["offset"] for o in arena["offsets"]} == {"input": 0, "a": 32, "b": 0, "c": 32}
    code, out, err = cli("analyze", write(SPEC), "--dtype", "int8", "--planner", "linear", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["arena"]["arena_bytes"] == 96
    code, out, err = cli("analyze", write(SPEC), "--dtype", "int8", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["arena"] is None                       # no planner, no arena
    code, out, err = cli("analyze", write(SPEC), "--dtype", "int8", "--planner", "linear")
    assert code == 0, err
    assert "Arena (linear, spec order)" in out and "96 B" in out


def test_check_limits_the_arena_greedy_by_default(cli, write):
    spec = write(SPEC)
    assert cli("check", spec, "--dtype", "int8", "--max-arena", "64B")[0] == 0
    code, out, _ = cli("check", spec, "--dtype", "int8", "--max-arena", "63B")
    assert code == 1 and "arena" in out and "over by 1 B" in out
    assert cli("check", spec, "--dtype", "int8", "--max-arena", "95B", "--planner", "linear")[0] == 1


def test_the_api_and_an_unknown_planner():
    report = cnncalc.analyze(SPEC, dtype="int8", planner="greedy-by-size")
    assert report.figures.arena.arena_bytes == 64
    try:
        cnncalc.analyze(SPEC, planner="best")
    except cnncalc.SpecError as err:
        assert "unknown memory planner 'best'" in str(err) and "greedy-by-size, linear" in str(err)
    else:
        raise AssertionError("an unknown planner was accepted")


def test_a_runtime_that_names_a_planner_plans_its_arena(cli, write):
    """tflite-micro's profile names TF-Lite Micro's greedy-by-size planner: its arena comes without --planner;
    eager names none. On SPEC under tflite-micro only the relu (a clamp) fuses, into conv a: the input 16 B alive
    at steps 0–1, a 32 B at 1–2, c 16 B from 2 to the end; bytes alive 16, 48, 48: the peak is 48. Greedy: a at
    0; of the two 16 B tensors the one added later first (TF-Lite Micro's tie rule): c, alive with a at step 2,
    at 32; then the input, alive with a at step 1 and never with c, at 32 too: arena 48."""
    code, out, err = cli("analyze", write(SPEC), "--dtype", "int8", "--runtime", "tflite-micro", "--format", "json")
    assert code == 0, err
    arena = json.loads(out)["arena"]
    assert (arena["planner"], arena["arena_bytes"], arena["peak_bytes"]) == ("greedy-by-size", 48, 48)
