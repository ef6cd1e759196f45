"""NetVLAD (Arandjelović et al., CVPR 2016): a trainable VLAD pooling of local descriptors."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import BOOLEAN, POSITIVE_INT, WHOLE, Facts, Layer, arg, register
from cnncalc.record import record
from cnncalc.shapes import product


@register("netvlad")
@record
class NetVLAD(Layer):
    """NetVLAD over the N positions of a [D, ...] input: soft-assignment a_k(x) = softmax_k(w_k·x + b_k), then
    V(j, k) = Σ_i a_k(x_i)·(x_i(j) − c_k(j)); output K·D, intra-normalised per cluster (optional) and L2
    normalised. Parameters W (K×D), b (K), centres c (K×D). MACs 2·N·K·D (docs/conventions.md)."""

    flops_rule = ("2·MACs + N·K (assignment bias) + 3·N·K (softmax) + K·(N−1) (Σ_i a_k) + 2·K·D (c_k·Σa_k, "
                  "subtract) + 3·K·D intra-normalisation (if `intra_norm`) + 3·K·D final L2 normalisation. An L2 "
                  "normalisation of m values: m squares, m−1 adds, 1 root, m divides = 3m")

    clusters: int = arg(POSITIVE_INT, "K, the number of clusters")
    intra_norm: bool = arg(BOOLEAN, "L2-normalise each cluster's residual before the final L2 normalisation", True)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        if len(shape) < 2:
            raise LayerArgError(f"netvlad needs local descriptors shaped [D, H, W] (or [D, L], [D, T, H, W]); "
                                f"got {list(shape)}")
        d, n, k = shape[0], product(shape[1:]), self.clusters
        assign_macs = n * k * d               # 1×1 conv D → K at every position
        aggregate_macs = n * k * d            # Σ_i a_k(i)·x_i(j)
        flops = (2 * assign_macs + n * k      # soft-assignment scores with bias
                 + 3 * n * k                  # softmax over K at each position
                 + 2 * aggregate_macs         # weighted sums of the descriptors
                 + k * (n - 1)                # Σ_i a_k(i)
                 + 2 * k * d                  # c_k(j)·Σ_i a_k(i), subtracted
                 + (3 * k * d if self.intra_norm else 0)   # per-cluster L2 of D values: 3·D each
                 + 3 * k * d)                 # final L2 of K·D values: 3·K·D
        return Facts(output=(k * d,), params=2 * k * d + k, macs=assign_macs + aggregate_macs, flops=flops,
                     rf=WHOLE, label=f"netvlad K={k}")
