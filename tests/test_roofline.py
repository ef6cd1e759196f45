"""The roofline estimate (cnncalc/roofline.py) on a tiny network and a made-up device, derived by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc import devices, roofline
from tests.conftest import report_of

TINY = """
    input: [1, 4, 4]
    layers:
      - {name: conv, conv: {out: 2, kernel: 3, padding: 1}}
      - {name: relu, relu: {}}
"""

MADE_UP = """
name: toy
bandwidth: {value: 10, what: ten bytes a second, source: made up for the test}
peak:
  float32: {value: 100, what: a hundred FLOPs a second, source: made up}
  int8: {value: 1K, what: a thousand ops a second, source: made up}
"""


def test_tiny_network_float32():
    # conv: MACs 2 out channels × 16 positions × 9 taps = 288; FLOPs 2·288 + 32 bias adds = 608.
    #   weights (2·9 + 2 biases = 20 params) 80 B; input 16 el 64 B; output 32 el 128 B → 272 B.
    #   compute 608/100 = 6.08 s < memory 272/10 = 27.2 s → memory-bound, 136/5 s; intensity 608/272 = 38/17.
    # relu: 32 FLOPs; input 128 B + output 128 B = 256 B → max(0.32, 25.6) = 128/5 s, memory-bound.
    # total 136/5 + 128/5 = 264/5 s = 52.8 s; ridge 100/10 = 10 FLOPs per byte.
    device = devices.parse_device(MADE_UP, "toy.yaml")
    got = roofline.estimate(report_of(TINY), device)
    conv, relu = got.layers
    assert (conv.flops, conv.weight_bytes, conv.input_bytes, conv.output_bytes, conv.bytes) == (608, 80, 64, 128, 272)
    assert (conv.intensity, conv.bound, conv.seconds) == (Fraction(38, 17), roofline.MEMORY, Fraction(136, 5))
    assert (relu.flops, relu.bytes, relu.seconds, relu.bound) == (32, 256, Fraction(128, 5), roofline.MEMORY)
    assert (got.seconds, got.ridge, got.flops, got.bytes) == (Fraction(264, 5), 10, 640, 528)


def test_tiny_network_int8_batch_2_and_a_compute_bound_layer():
    # int8, batch 2: conv 1216 FLOPs; weights 20 B (once per pass), input 32 B, output 64 B → 116 B:
    #   max(1216/1000 = 1.216, 116/10 = 11.6) = 58/5 s. relu 64 FLOPs, 64 + 64 = 128 B → 64/5 s. Total 122/5.
    device = devices.parse_device(MADE_UP, "toy.yaml")
    got = roofline.estimate(report_of(TINY), device, "int8", batch=2)
    assert [t.seconds for t in got.layers] == [Fraction(58, 5), Fraction(64, 5)]
    assert got.seconds == Fraction(122, 5)
    # A device with bandwidth 1000 B/s and 100 FLOP/s: conv at float32 takes max(6.08, 0.272) = 152/25 s,
    # compute-bound; relu max(0.32, 0.256) = 8/25 s, compute-bound.
    fast = devices.parse_device(MADE_UP.replace("value: 10,", "value: 1000,"), "fast.yaml")
    got = roofline.estimate(report_of(TINY), fast)
    assert [(t.bound, t.seconds) for t in got.layers] == [(roofline.COMPUTE, Fraction(152, 25)),
                                                          (roofline.COMPUTE, Fraction(8, 25))]


def test_a_dtype_the_device_lacks_is_refused():
    device = devices.parse_device(MADE_UP, "toy.yaml")
    with pytest.raises(ValueError, match="no peak for float16; it has: float32, int8"):
        roofline.estimate(report_of(TINY), device, "float16")


def test_distinct_inputs_are_read_once():
    # add(x, x) over a [1, 2, 2] input: 4 elements read once (16 B) and 4 written (16 B); FLOPs 4 (one add
    # per output element): max(4/100, 32/10) = 16/5 s.
    spec = """
        input: [1, 2, 2]
        layers:
          - {name: twice, from: [input, input], add: {}}
    """
    got = roofline.estimate(report_of(spec), devices.parse_device(MADE_UP, "toy.yaml"))
    (layer,) = got.layers
    assert (layer.flops, layer.input_bytes, layer.output_bytes, layer.seconds) == (4, 16, 16, Fraction(16, 5))
