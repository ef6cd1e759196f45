"""cnncalc/layers/vlad.py: NetVLAD's parameters, MACs and FLOPs, each term derived beside it.
"""

from __future__ import annotations

from conftest import one_layer


def test_netvlad():
    # D = 4 channels, 3×5 = 15 positions, K = 2 clusters
    row = one_layer((4, 3, 5), "netvlad: {clusters: 2}")
    d, n, k = 4, 15, 2
    assert row.output_shape == (k * d,)
    assert row.params == k * d + k + k * d          # W (K×D), b (K), centres c (K×D)
    assert row.macs == n * k * d + n * k * d        # soft-assignment scores + Σ_i a_k(i)·x_i(j)
    flops = (2 * n * k * d + n * k                  # scores with bias: 240 + 30
             + 3 * n * k                            # softmax: 90
             + 2 * n * k * d                        # aggregation: 2·120 = 240
             + k * (n - 1)                          # Σ_i a_k(i): 28
             + 2 * k * d                            # c_k(j)·Σa_k subtracted: 16
             + 3 * k * d                            # intra-normalisation: 24
             + 3 * k * d)                           # final L2: 24
    assert flops == 240 + 30 + 90 + 240 + 28 + 16 + 24 + 24 == 692
    assert row.flops == flops
    no_intra = one_layer((4, 3, 5), "netvlad: {clusters: 2, intra_norm: false}")
    assert no_intra.flops == flops - 3 * k * d
