"""Training memory (cnncalc/training.py) with hand-derived figures; rules given as a callable."""

from __future__ import annotations

import pytest

from cnncalc.training import Saved, training_memory
from tests.conftest import report_of

NET = """
    input: [1, 4, 4]
    layers:
      - {name: conv, conv: {out: 2, kernel: 3, padding: 1}}
      - {name: relu, relu: {}}
      - {name: conv2, conv: {out: 1, kernel: 1, bias: false}}
"""


def rules(row):
    keeps = {"conv": ("input",), "relu": ("relu",), "conv2": ("relu",)}.get(row.name, ())
    extra = (Saved(elements=5, bits=64), Saved(elements=3, bits=32, per_sample=False)) if row.name == "relu" else ()
    return tuple(Saved(tensor=t) for t in keeps) + extra


def test_adam_fp32_batch_3():
    # params: conv 2·9 + 2 = 20, conv2 2 → 22 trainable. fp32: weights 88 B, gradients 88 B, Adam 2·88 = 176 B.
    # saved: input 16 el × 3 × 4 B = 192; relu's output 32 × 3 × 4 = 384, kept by relu and conv2, once;
    # relu's buffers: 5 int64 per sample × 3 = 120 B, 3 fp32 once = 12 B → 192 + 384 + 132 = 708.
    # total 88 + 88 + 176 + 708 = 1060. Per layer: conv 192, relu 384 + 132 = 516, conv2 384.
    got = training_memory(report_of(NET), rules, batch=3, optimizer="adam")
    assert (got.weight_bytes, got.gradient_bytes, got.optimizer_bytes, got.activation_bytes, got.total_bytes) == (
        88, 88, 176, 708, 1060)
    assert [(l.name, l.bytes) for l in got.layers] == [("input", 0), ("conv", 192), ("relu", 516), ("conv2", 384)]


@pytest.mark.parametrize("optimizer, states", [("sgd", 0), ("sgd-momentum", 88), ("adamw", 176)])
def test_optimizers(optimizer, states):
    assert training_memory(report_of(NET), rules, optimizer=optimizer).optimizer_bytes == states


def test_mixed_precision():
    # mixed-bf16, batch 1: weights 88 B fp32 master + 22·2 = 44 B working copy = 132; gradients 88 (fp32);
    # activations at 2 bytes: input 32 + relu 64 + buffers 5·8 + 12 = 52 → 148. SGD: total 132 + 88 + 148 = 368.
    got = training_memory(report_of(NET), rules, optimizer="sgd", precision="mixed-bf16")
    assert (got.weight_bytes, got.gradient_bytes, got.activation_bytes, got.total_bytes) == (132, 88, 148, 368)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown optimizer 'lion'"):
        training_memory(report_of(NET), rules, optimizer="lion")
    with pytest.raises(ValueError, match="unknown precision 'fp8'"):
        training_memory(report_of(NET), rules, precision="fp8")
