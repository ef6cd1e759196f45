"""LRN, padding, reshaping and embedding lookups in numpy."""

from __future__ import annotations

import numpy as np

from cnncalc import shapes
from cnncalc.execute import SAME, executes


def channel_window_sum(x: np.ndarray, size: int) -> np.ndarray:
    """Σ over channels c − ⌊n/2⌋ .. c + ⌊(n−1)/2⌋ (those that exist), at each position
    (PyTorch's LRN window)."""
    before, after = size // 2, (size - 1) // 2
    padded = np.pad(x, [(0, 0), (before, after)] + [(0, 0)] * (x.ndim - 2))
    total: np.ndarray = sum(padded[:, j:j + x.shape[1]] for j in range(size))  # type: ignore[assignment]
    return total


def lrn_dependencies(layer, inputs, ctx):
    """Structural run of lrn (a quotient of the input and a function of it): b_c depends on every channel
    of its window, at its own position."""
    (x,) = inputs
    return channel_window_sum(x, layer.size)


@executes("lrn", structural=lrn_dependencies)
def lrn(layer, inputs, ctx):
    """`a_c / (k + α/n·Σ a²)^β` over channels `c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋` (PyTorch's `LocalResponseNorm`)"""
    (x,) = inputs
    return x / (layer.k + layer.alpha / layer.size * channel_window_sum(x * x, layer.size)) ** layer.beta


def _pad_widths(layer, x: np.ndarray) -> list:
    spatial = x.shape[2:]
    pads = shapes.resolve_padding(layer.padding, spatial, [1] * len(spatial), [1] * len(spatial))
    return [(0, 0), (0, 0)] + [tuple(p) for p in pads]


def pad_dependencies(layer, inputs, ctx):
    """Structural run of pad (whose constant is not zero at zero): the new positions are padding, as the
    analysis's field treats them (docs/verify.md), zero whatever the mode. A reflected or replicated
    position does depend on the input element it copies; that dependency is not measured, and downstream
    fields are held to the geometric convention."""
    (x,) = inputs
    return np.pad(x, _pad_widths(layer, x), constant_values=0.0)


@executes("pad", structural=pad_dependencies)
def pad(layer, inputs, ctx):
    """numpy's `pad`: constant (`value`), `reflect` (PyTorch's reflect), `replicate` (numpy's `edge`)"""
    (x,) = inputs
    widths = _pad_widths(layer, x)
    if layer.mode == "constant":
        return np.pad(x, widths, constant_values=layer.value)
    return np.pad(x, widths, mode="reflect" if layer.mode == "reflect" else "edge")


@executes("reshape", structural=SAME)
def reshape(layer, inputs, ctx):
    """C-order reshape of each example"""
    (x,) = inputs
    shape = list(layer.shape)
    if -1 in shape and x.shape[0] == 0:       # numpy cannot infer the -1 of an empty batch: from one example
        known = int(np.prod([n for n in shape if n != -1]))
        shape[shape.index(-1)] = int(np.prod(x.shape[1:])) // known if known else 0
    return x.reshape(x.shape[0], *shape)


def embedding_dependencies(layer, inputs, ctx):
    """Structural run of embedding (a lookup, not arithmetic): output column l depends on token l only."""
    (x,) = inputs
    tokens = x.reshape(x.shape[0], -1)
    return np.broadcast_to(tokens[:, None, :], (tokens.shape[0], layer.dim, tokens.shape[1])).copy()


@executes("embedding", structural=embedding_dependencies)
def embedding(layer, inputs, ctx):
    """table `[vocab, dim]` rows, output `[dim, L]`

    Token ids [B, L] or [B, 1, L] → table rows, channels first: [B, dim, L]; table 'weight' [vocab, dim].
    
    Value v is read as id ⌊v⌋ mod vocab: token ids are themselves, and the verifier's random input (not
    ids) still selects rows."""
    (x,) = inputs
    tokens = x.reshape(x.shape[0], -1)
    table = ctx.weight("weight", (layer.vocab, layer.dim), fan_in=1)
    ids = np.floor(tokens).astype(np.int64) % layer.vocab
    return np.moveaxis(table[ids], 2, 1)
