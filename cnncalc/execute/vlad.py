"""NetVLAD in numpy."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import executes

EPS = 1e-12          # as torch.nn.functional.normalize: v / max(‖v‖, eps)


def _l2(v: np.ndarray, axis: int) -> np.ndarray:
    return v / np.maximum(np.sqrt((v * v).sum(axis=axis, keepdims=True)), EPS)


def netvlad_dependencies(layer, inputs, ctx):
    """Structural run of netvlad (whose soft-assignment multiplies two functions of the input, and whose
    normalisations divide by one): sums instead of products.

    Step by step: the assignment scores (a 1×1 convolution) depend on every channel at
    their position, and so does the softmax over K > 1 clusters (with K = 1 it is the constant 1 and depends
    on nothing); a residual x_i(j) − c_k(j) depends on x_i(j); a product depends on both factors; the sums
    over i, on every term; an L2 normalisation makes every element depend on every element normalised
    together. So every output element depends on every input element."""
    (x,) = inputs
    batch, k = x.shape[0], layer.clusters
    descriptors = x.reshape(batch, x.shape[1], -1)                             # [B, D, N]
    scores = descriptors.sum(axis=1, keepdims=True)                         # [B, 1, N]: the 1×1 convolution
    positions = scores.shape[2]
    assign = np.broadcast_to(scores, (batch, k, positions)) if k > 1 else np.zeros((batch, 1, positions))
    # Σ_i (a_k(x_i) "and" x_i(j)): [B, K, D]
    vlad = assign.sum(axis=2)[:, :, None] + descriptors.sum(axis=2)[:, None, :]
    if layer.intra_norm:
        vlad = np.broadcast_to(vlad.sum(axis=2, keepdims=True), vlad.shape)
    flat = vlad.reshape(batch, -1)
    return np.broadcast_to(flat.sum(axis=1, keepdims=True), flat.shape).astype(x.dtype)


@executes("netvlad", structural=netvlad_dependencies)
def netvlad(layer, inputs, ctx):
    """`softmax_k(w_k·x + b_k)` assignment, residuals `Σ_i a_k(x_i)(x_i − c_k)` (weights `W`, `b`, centres `c`
    random), intra-normalised per cluster if `intra_norm`, flattened cluster by cluster (`[K·D]`, k
    outermost), L2-normalised (norms floored at 10⁻¹², as `F.normalize`)

    Over the N positions of [B, D, ...]: a_k(x_i) = softmax_k(w_k·x_i + b_k); V[k, j] = Σ_i a_k(x_i)·(x_i(j)
    − c_k(j)); each V[k, :] L2-normalised (intra_norm), then V flattened cluster by cluster ([K·D], k
    outermost) and L2-normalised. Weights 'weight' W [K, D], 'bias' b [K], 'centres' c [K, D]."""
    (x,) = inputs
    batch, dims = x.shape[:2]
    k = layer.clusters
    descriptors = x.reshape(batch, dims, -1)                                   # [B, D, N]
    weight = ctx.weight("weight", (k, dims), fan_in=dims)
    bias = ctx.shift("bias", (k,))
    centres = ctx.shift("centres", (k, dims))
    scores = np.einsum("kd,bdn->bkn", weight, descriptors) + bias[None, :, None]
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    assign = scores / scores.sum(axis=1, keepdims=True)                         # [B, K, N]
    vlad = np.einsum("bkn,bdn->bkd", assign, descriptors) - assign.sum(axis=2)[:, :, None] * centres[None]
    if layer.intra_norm:
        vlad = _l2(vlad, axis=2)
    return _l2(vlad.reshape(batch, k * dims), axis=1)
