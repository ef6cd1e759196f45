"""Attention and the squeeze-excitation relatives, counted as the field counts them (docs/conventions.md,
"Products of two activations"): each seed spec against a torch.nn module written here from its paper, never
from cnncalc's spec or export. Parameters and state exactly; MACs = torch's FlopCounterMode total / 2.

FlopCounterMode counts 2 FLOPs per multiply-accumulate of every matrix product and convolution. It is run
with autograd on (nn.MultiheadAttention's inference fast path, a fused kernel it does not count, is then not
taken) and under the math backend of scaled_dot_product_attention (its fused CPU kernel is not counted
either): the setting in which it reproduces torchvision's published `_ops` (vit_b_16: 17.564 GFLOPS).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import cnncalc  # noqa: E402

SEED = Path(__file__).resolve().parents[2] / "specs" / "seed"


def flop_counter_macs(module: nn.Module, x) -> int:
    """FlopCounterMode's total, halved (it counts a multiply and an add per MAC)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    with FlopCounterMode(display=False) as counter, sdpa_kernel(SDPBackend.MATH):
        module(x)
    total = counter.get_total_flops()
    assert total % 2 == 0
    return total // 2


def figures(module: nn.Module) -> tuple:
    params = sum(p.numel() for p in module.parameters())
    state = sum(b.numel() for n, b in module.named_buffers() if n.endswith(("running_mean", "running_var")))
    return params, state


def check(spec: str, module: nn.Module, x, hand: tuple, **settings) -> None:
    """cnncalc's (params, state, MACs) of the seed spec (its arguments ``settings``) = torch's = the figures
    derived by hand."""
    report = cnncalc.analyze(str(SEED / f"{spec}.yaml"), set=settings)
    ours = (report.totals.params, report.totals.state, report.totals.macs)
    theirs = (*figures(module), flop_counter_macs(module, x))
    assert ours == theirs == hand


# ----------------------------------------------------------------------------- a transformer encoder block


class EncoderBlock(nn.Module):
    """ViT's encoder block (Dosovitskiy et al. 2021, Eq. 2–3): x + MSA(LN(x)), then + MLP(LN(·))."""

    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim, eps=1e-6)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Linear(mlp, dim))

    def forward(self, x):
        y = self.ln_1(x)
        y, _ = self.attention(y, y, y, need_weights=False)
        x = x + y
        return x + self.mlp(self.ln_2(x))


def test_a_small_transformer_block_is_torch_flop_counter_halved():
    # 16 tokens of 64 channels, 4 heads of d = 16, MLP 128: projections 16·64·(3·64 + 64), scores and
    # context 4·16·16·16 each, MLP 2·16·64·128
    macs = 16 * 64 * 256 + 2 * 4 * 16 * 16 * 16 + 2 * 16 * 64 * 128
    params = 2 * 2 * 64 + (64 * 192 + 192) + (64 * 64 + 64) + (64 * 128 + 128) + (128 * 64 + 64)
    check("transformer_block", EncoderBlock(64, 4, 128), torch.randn(1, 16, 64), (params, 0, macs),
          dim=64, tokens=16, heads=4, mlp=128)


def test_transformer_block_is_torch_flop_counter_halved():
    # ViT-B/16's block on 197 tokens: projections 197·768·(3·768 + 768), scores and context 12·197·197·64
    # each, MLP 2·197·768·3072
    macs = 197 * 768 * (3 * 768 + 768) + 2 * 12 * 197 * 197 * 64 + 2 * 197 * 768 * 3072
    params = 2 * 2 * 768 + (768 * 3 * 768 + 3 * 768) + (768 * 768 + 768) + (768 * 3072 + 3072) + (3072 * 768 + 768)
    check("transformer_block", EncoderBlock(768, 12, 3072), torch.randn(1, 197, 768),
          (params, 0, macs))
    assert (params, macs) == (7_087_872, 1_453_954_560)


def test_forward_hooks_miss_the_products_flop_counter_does_not():
    # the products are what hook counters (weights × inputs of nn.Linear) miss: 2·12·197·197·64 MACs here
    block = EncoderBlock(768, 12, 3072)
    hooked = 197 * sum(m.in_features * m.out_features for m in block.modules() if isinstance(m, nn.Linear))
    hooked += 197 * 768 * 3 * 768        # MultiheadAttention's in_proj is a weight, not an nn.Linear module
    assert flop_counter_macs(block, torch.randn(1, 197, 768)) - hooked == 2 * 12 * 197 * 197 * 64


# ----------------------------------------------------------------------------- squeeze-excitation's relatives


class GlobalContext(nn.Module):
    """GCNet's block (Cao et al. 2019, Fig. 4(d)): softmax-pooled context, bottleneck transform, add."""

    def __init__(self, c, r):
        super().__init__()
        self.mask = nn.Conv2d(c, 1, 1)
        self.transform = nn.Sequential(nn.Conv2d(c, c // r, 1), nn.LayerNorm([c // r, 1, 1]), nn.ReLU(),
                                       nn.Conv2d(c // r, c, 1))

    def forward(self, x):
        b, c, h, w = x.shape
        weights = F.softmax(self.mask(x).view(b, 1, h * w), dim=2)                 # [B, 1, HW]
        context = torch.bmm(x.view(b, c, h * w), weights.transpose(1, 2))          # [B, C, 1]
        return x + self.transform(context.view(b, c, 1, 1))


class NonLocal(nn.Module):
    """The embedded Gaussian non-local block (Wang et al. 2018, Fig. 2)."""

    def __init__(self, c, inner):
        super().__init__()
        self.theta, self.phi, self.g = (nn.Conv2d(c, inner, 1) for _ in range(3))
        self.w = nn.Sequential(nn.Conv2d(inner, c, 1), nn.BatchNorm2d(c))

    def forward(self, x):
        b, _, h, w = x.shape
        theta = self.theta(x).flatten(2).transpose(1, 2)            # [B, N, C']
        phi = self.phi(x).flatten(2)                                 # [B, C', N]
        g = self.g(x).flatten(2).transpose(1, 2)                     # [B, N, C']
        f = F.softmax(theta @ phi, dim=-1)                           # [B, N_i, N_j], over j
        y = (f @ g).transpose(1, 2).reshape(b, -1, h, w)
        return x + self.w(y)


class ECA(nn.Module):
    """ECA-Net's module (Wang et al. 2020, Fig. 2): GAP, a k-tap 1-D convolution across channels, sigmoid."""

    def __init__(self, c):
        super().__init__()
        k = int(abs(math.log2(c) / 2 + 1 / 2))
        k = k if k % 2 else k + 1
        self.conv = nn.Conv1d(1, 1, k, padding=k // 2, bias=False)

    def forward(self, x):
        y = x.mean((2, 3)).unsqueeze(1)                              # [B, 1, C]
        y = torch.sigmoid(self.conv(y)).transpose(1, 2).unsqueeze(-1)
        return x * y.expand_as(x)


class CBAM(nn.Module):
    """CBAM (Woo et al. 2018): channel attention (shared MLP on average and max pooling), then spatial
    attention (7×7 convolution with BN over the channel max and mean)."""

    def __init__(self, c, r):
        super().__init__()
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(c, c // r), nn.ReLU(), nn.Linear(c // r, c))
        self.spatial = nn.Sequential(nn.Conv2d(2, 1, 7, padding=3, bias=False), nn.BatchNorm2d(1))

    def forward(self, x):
        gate = self.mlp(F.adaptive_avg_pool2d(x, 1)) + self.mlp(F.adaptive_max_pool2d(x, 1))
        x = x * torch.sigmoid(gate)[:, :, None, None]
        pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.spatial(pooled))


class SelectiveKernel(nn.Module):
    """SK convolution (Li et al. 2019, Fig. 1): two grouped paths, fuse, select by a softmax over paths."""

    def __init__(self, c, groups, d):
        super().__init__()
        self.paths = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, c, 3, padding=dil, dilation=dil, groups=groups, bias=False),
                          nn.BatchNorm2d(c), nn.ReLU()) for dil in (1, 2))
        self.fc = nn.Sequential(nn.Conv2d(c, d, 1, bias=False), nn.BatchNorm2d(d), nn.ReLU())
        self.select = nn.ModuleList(nn.Conv2d(d, c, 1) for _ in range(2))

    def forward(self, x):
        feats = torch.stack([p(x) for p in self.paths], 1)            # [B, 2, C, H, W]
        z = self.fc(feats.sum(1).mean((2, 3), keepdim=True))
        attention = F.softmax(torch.stack([s(z) for s in self.select], 1), dim=1)     # [B, 2, C, 1, 1]
        return (feats * attention).sum(1)


@pytest.mark.parametrize("spec, module, hand", [
    # mask 64 + 1; transform 64·16 + 16, LayerNorm 2·16, 16·64 + 64. MACs: mask 196·64, pooling product
    # 64·196·1, transform 64·16 + 16·64
    ("global_context", lambda: GlobalContext(64, 4), (65 + 1040 + 32 + 1088, 0, 196 * 64 + 64 * 196 + 2048)),
    # θ, φ, g 3·(64·32 + 32); W 32·64 + 64 and BN 2·64 (+ 2·64 state). MACs: 3·196·64·32, the products
    # 196·196·32 twice, W 196·32·64
    ("non_local", lambda: NonLocal(64, 32),
     (3 * 2080 + 2112 + 128, 128, 3 * 196 * 64 * 32 + 2 * 196 * 196 * 32 + 196 * 32 * 64)),
    # a 3-tap convolution over the 64 channels
    ("eca", lambda: ECA(64), (3, 0, 64 * 3)),
    # the MLP 64·4 + 4 + 4·64 + 64 once, run twice; 7×7 conv over 2 maps at 196 positions, BN 2 (+ 2 state)
    ("cbam", lambda: CBAM(64, 16), (580 + 98 + 2, 2, 2 * (64 * 4 + 4 * 64) + 196 * 2 * 49)),
    # paths 2·(64·2·9 + BN 128); fc 64·32 + BN 64; select 2·(32·64 + 64). MACs: paths 2·196·64·2·9,
    # fc 64·32, select 2·32·64
    ("selective_kernel", lambda: SelectiveKernel(64, 32, 32),
     (2 * (1152 + 128) + 2048 + 64 + 2 * 2112, 2 * 128 + 64, 2 * 196 * 64 * 18 + 2048 + 4096)),
])
def test_attention_block_is_torch_flop_counter_halved(spec, module, hand):
    net = module().eval()
    check(spec, net, torch.randn(1, 64, 14, 14), hand)
