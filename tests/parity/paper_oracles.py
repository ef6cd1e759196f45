"""Spatial pyramid pooling, locally connected (and tiled) layers and NetVLAD written in torch from the papers'
rules, as oracles for the modules `cnncalc export` writes (cnncalc/export/modules.py) and for cnncalc's
counts. Each is written differently from the shipped module on purpose: explicit loops over bins and output
positions where the shipped code pools or unfolds, explicit residuals where it folds the centres into one
sum. They share no code with cnncalc; sizes are computed here from the rules quoted beside them.

The parameters are the papers' tensors in their natural shapes (a weight per output position, W, b and c);
:func:`load_from` fills them from a shipped module, whose documented layouts are written in it.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn


# ----------------------------------------------------------------------------- SPP
# He, Zhang, Ren, Sun, "Spatial Pyramid Pooling in Deep Convolutional Networks for Visual Recognition"
# (ECCV 2014 / TPAMI 2015), section 2.3: "for a pyramid level of n×n bins, we implement this pooling level as
# a sliding window pooling, where the window size win = ⌈a/n⌉ and stride str = ⌊a/n⌋" on an a×a map. cnncalc
# applies the rule per axis, with no padding, and keeps every window that fits (docs/spec.md, "Spatial
# pyramid pooling"; docs/conventions.md: some sizes give other than n bins, and cnncalc warns); a level's
# values are ordered channel by channel, bins row-major within a channel, levels in the order written.

def spp_windows(size: int, n: int) -> list[range]:
    """The input positions of each bin on an axis of ``size`` positions at level ``n``."""
    window, stride = math.ceil(size / n), math.floor(size / n)
    if stride == 0:
        raise ValueError(f"SPP level {n} on {size} positions: stride ⌊{size}/{n}⌋ = 0")
    return [range(start, start + window) for start in range(0, size - window + 1, stride)]


class PaperSPP(nn.Module):
    def __init__(self, levels, mode):
        super().__init__()
        self.levels, self.mode = tuple(levels), mode

    def forward(self, x):
        batch, channels, *sizes = x.shape
        if not 1 <= len(sizes) <= 3:
            raise ValueError(f"SPP needs 1 to 3 spatial axes, got {len(sizes)}")
        levels = []
        for n in self.levels:
            bins = []
            for box in itertools.product(*(spp_windows(a, n) for a in sizes)):
                region = x[(slice(None), slice(None), *(slice(r.start, r.stop) for r in box))]
                region = region.reshape(batch, channels, -1)
                bins.append(region.amax(dim=2) if self.mode == "max" else region.mean(dim=2))
            levels.append(torch.stack(bins, dim=2).reshape(batch, -1))      # [B, C, bins] → channel by channel
        return torch.cat(levels, dim=1)


# ----------------------------------------------------------------------------- locally connected, tiled
# Taigman, Yang, Ranzato, Wolf, "DeepFace: Closing the Gap to Human-Level Performance in Face Verification"
# (CVPR 2014), section 3: locally connected layers L4–L6 "are like a convolutional layer ... but every
# location in the feature map learns a different set of filters". Output position y (per axis y·s, the
# window's taps y·s + d·i, i < k, on the padded input) is Σ_c Σ_i W_y[o, c, i] · x[c, y·s + d·i] (+ bias).
# Tiled convolution (Le, Ngiam, Chen, Chia, Koh, Ng, "Tiled convolutional neural networks", NIPS 2010):
# positions t apart share weights, so position y uses weight set y mod t per axis (docs/spec.md); a local
# layer is the tiled rule with one set per position. Bias (docs/spec.md): `position` one per output channel
# and position (Keras), `channel` one per output channel, `none`; tiled: one per weight set and channel.

def output_size(size: int, before: int, after: int, kernel: int, stride: int, dilation: int) -> int:
    """Windows of d·(k−1)+1 positions that fit, every s-th, on the padded axis."""
    span = dilation * (kernel - 1) + 1
    count = (size + before + after - span) // stride + 1
    if count < 1:
        raise ValueError(f"a window of {span} does not fit in {size} + {before} + {after} positions")
    return count


class PaperUnshared(nn.Module):
    """``tiles``: None (locally connected: a set per position) or the tile per axis (tiled convolution).
    ``pairs``: (before, after) zero padding per axis."""

    def __init__(self, in_shape, out_channels, kernel, stride, dilation, pairs, bias, tiles=None, device=None):
        super().__init__()
        channels, *sizes = in_shape
        self.kernel, self.stride, self.dilation, self.pairs = tuple(kernel), tuple(stride), tuple(dilation), pairs
        self.out = tuple(output_size(n, b, a, k, s, d)
                         for n, (b, a), k, s, d in zip(sizes, pairs, kernel, stride, dilation))
        # the weight sets actually used on each axis: one per position, or the residues y mod t that occur
        self.tiles = self.out if tiles is None else tuple(tiles)
        self.sets = tuple(min(t, n) for t, n in zip(self.tiles, self.out))
        self.taps = channels * math.prod(kernel)          # multiply-accumulates per output element
        self.weight = nn.Parameter(torch.empty(*self.sets, out_channels, channels, *kernel, device=device))
        shape = {"position": (out_channels, *self.out), "channel": (out_channels,), "none": None,
                 "sets": (*self.sets, out_channels)}[bias]
        self.bias = None if shape is None else nn.Parameter(torch.empty(*shape, device=device))
        self.bias_form = bias

    def forward(self, x):
        padded = F.pad(x, [v for b, a in reversed(self.pairs) for v in (b, a)])
        columns = []
        for y in itertools.product(*(range(n) for n in self.out)):
            taps = tuple(slice(p * s, p * s + d * (k - 1) + 1, d)
                         for p, k, s, d in zip(y, self.kernel, self.stride, self.dilation))
            window = padded[(slice(None), slice(None), *taps)]                 # [B, C_in, *k]
            weights = self.weight[tuple(p % t for p, t in zip(y, self.tiles))]  # [C_out, C_in, *k]
            value = (window.unsqueeze(1) * weights.unsqueeze(0)).flatten(2).sum(2)   # [B, C_out]
            if self.bias_form == "position":
                value = value + self.bias[(slice(None), *y)]
            elif self.bias_form == "channel":
                value = value + self.bias
            elif self.bias_form == "sets":
                value = value + self.bias[tuple(p % t for p, t in zip(y, self.tiles))]
            columns.append(value)
        return torch.stack(columns, dim=2).reshape(x.shape[0], -1, *self.out)     # positions row-major

    def macs(self, inputs, output):
        return output[0].numel() * self.taps


# ----------------------------------------------------------------------------- NetVLAD
# Arandjelović, Gronat, Torii, Pajdla, Sivic, "NetVLAD: CNN architecture for weakly supervised place
# recognition" (CVPR 2016), section 3.1: the N local descriptors x_i (D values each) of the feature map are
# softly assigned to K clusters, ā_k(x_i) = e^{w_kᵀx_i + b_k} / Σ_k' e^{w_k'ᵀx_i + b_k'} (eq. 3; a 1×1
# convolution followed by a soft-max over clusters, Fig. 2), and V(j, k) = Σ_i ā_k(x_i)(x_i(j) − c_k(j))
# (eq. 4). "The VLAD matrix V is first intra-normalized, ... column-wise L2 normalization of each cluster,
# then the whole matrix is L2-normalized" (after Arandjelović and Zisserman, "All about VLAD", CVPR 2013).
# Parameters: w (K×D), b (K), c (K×D). The flat output holds V cluster by cluster (cnncalc's order, k
# outermost, as cnncalc/execute/vlad.py). cnncalc's MACs (docs/conventions.md): w_kᵀx_i for every i and k,
# N·K·D, plus the sums ā_k(x_i)·x_i(j), N·K·D.

class PaperNetVLAD(nn.Module):
    def __init__(self, d, k, intra_norm, device=None):
        super().__init__()
        self.w = nn.Parameter(torch.empty(k, d, device=device))
        self.b = nn.Parameter(torch.empty(k, device=device))
        self.c = nn.Parameter(torch.empty(k, d, device=device))
        self.intra_norm = intra_norm

    def forward(self, x):
        batch, d = x.shape[:2]
        descriptors = x.reshape(batch, d, -1).transpose(1, 2)                 # x_i: [B, N, D]
        logits = descriptors @ self.w.T + self.b                             # w_kᵀx_i + b_k: [B, N, K]
        e = torch.exp(logits - logits.amax(dim=2, keepdim=True))              # the soft-max, written out
        assign = e / e.sum(dim=2, keepdim=True)                               # ā_k(x_i)
        residuals = descriptors.unsqueeze(2) - self.c                         # x_i − c_k: [B, N, K, D]
        v = (assign.unsqueeze(3) * residuals).sum(dim=1)                      # V(j, k) as [B, K, D]
        if self.intra_norm:
            v = v / v.pow(2).sum(dim=2, keepdim=True).sqrt().clamp_min(1e-12)
        v = v.reshape(batch, -1)
        return v / v.pow(2).sum(dim=1, keepdim=True).sqrt().clamp_min(1e-12)

    def macs(self, inputs, output):
        positions = inputs[0][0].numel() // inputs[0].shape[1]               # N of one sample
        k, d = self.w.shape
        return 2 * positions * k * d


# ----------------------------------------------------------------------------- from a shipped module

def load_from(oracle: nn.Module, shipped: dict) -> None:
    """Copy the shipped module's tensors (``named_parameters()`` of the exported module) into the oracle's,
    by the layouts the exported modules document (cnncalc/export/modules.py): Unshared's weight is
    [sets (row-major over positions or residues), C_out, C_in·prod(k)] with taps channel-major, its bias
    [C_out, *out] (position), [C_out] (channel) or [sets, C_out] (tiled); NetVLAD's soft-assignment is
    `assign`, an nn.Conv1d D → K (weight [K, D, 1], bias [K]), its centres `centres` [K, D]."""
    with torch.no_grad():
        if isinstance(oracle, PaperSPP):
            pairs = []
        elif isinstance(oracle, PaperNetVLAD):
            pairs = [(oracle.w, "assign.weight"), (oracle.b, "assign.bias"), (oracle.c, "centres")]
        else:
            pairs = [(oracle.weight, "weight")] + ([(oracle.bias, "bias")] if oracle.bias is not None else [])
        assert {name for _, name in pairs} == set(shipped), sorted(shipped)
        for mine, name in pairs:
            theirs = shipped[name]
            assert theirs.numel() == mine.numel(), (name, tuple(theirs.shape), tuple(mine.shape))
            mine.copy_(theirs.reshape(mine.shape))
