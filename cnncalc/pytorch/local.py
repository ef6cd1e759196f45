"""PyTorch writers of local and tiled_conv (cnncalc/layers/local.py): one module, Unshared, whose weights
are chosen per output position."""

from __future__ import annotations

import math

from cnncalc.export.code import Code, Helper, ndim, per_axis, torch_pad, writes
from cnncalc.layers.sliding import geometry

UNSHARED = '''
def windows(x, kernels, strides, dilations):
    """[B, C, *spatial] -> [B, P, C * prod(k)]: every window's taps, output positions in row-major order."""
    ndim = len(kernels)
    for axis, (k, s, d) in enumerate(zip(kernels, strides, dilations)):
        x = x.unfold(2 + axis, d * (k - 1) + 1, s)[..., ::d]
    out = tuple(x.shape[2:2 + ndim])
    b, c = x.shape[:2]
    x = x.permute(0, *range(2, 2 + ndim), 1, *range(2 + ndim, 2 + 2 * ndim))
    return x.reshape(b, math.prod(out), c * math.prod(kernels)), out


class Unshared(nn.Module):
    """A convolution whose weights are chosen per output position: weight holds S weight sets
    [S, C_out, C_in * prod(k)]. Locally connected (tiles None): one set per position; tiled: positions a
    tile apart share a set, tiles being (tile, sets used) per axis."""

    def __init__(self, pad, kernels, strides, dilations, weight_sets, c_out, taps, bias_shape, tiles=None):
        super().__init__()
        self.pad, self.kernels, self.strides, self.dilations = pad, kernels, strides, dilations
        self.tiles = tiles
        self.weight = nn.Parameter(torch.randn(weight_sets, c_out, taps) / math.sqrt(taps))
        self.bias = None if bias_shape is None else nn.Parameter(torch.zeros(*bias_shape))

    def set_index(self, out, device):
        """Tiled: position (y_1, ..., y_n) uses weight set (y_1 mod t_1, ..., y_n mod t_n), in mixed radix."""
        index = torch.zeros((), dtype=torch.long, device=device)
        for size, (tile, used) in zip(out, self.tiles):
            index = index.unsqueeze(-1) * used + torch.arange(size, device=device) % tile
        return index.reshape(-1)

    def forward(self, x):
        cols, out = windows(F.pad(x, self.pad), self.kernels, self.strides, self.dilations)
        weight = self.weight if self.tiles is None else self.weight[self.set_index(out, x.device)]
        y = torch.einsum("bpi,poi->bop", cols, weight)
        if self.bias is not None:
            if self.tiles is None:
                y = y + self.bias.reshape(1, self.bias.shape[0], -1)
            else:
                y = y + self.bias[self.set_index(out, x.device)].T
        return y.reshape(x.shape[0], weight.shape[1], *out)
'''

HELPERS = (Helper("Unshared", UNSHARED, math=True),)


def _unshared(layer, shapes, out, sets_of):
    shape = shapes[0]
    ndim(shape)
    geo = geometry(shape[1:], layer.kernel, layer.stride, layer.padding, layer.dilation)
    taps = shape[0] * math.prod(geo.kernel)
    sets, bias, tiles = sets_of(geo.output)
    ctor = (f"Unshared({torch_pad(geo.padding)}, {geo.kernel!r}, {geo.stride!r}, {geo.dilation!r}, {sets}, "
            f"{layer.out}, {taps}, {bias!r}" + (f", tiles={tiles!r})" if tiles else ")"))
    return Code(modules=(("", ctor),), helpers=("Unshared",))


@writes("local", helpers=HELPERS)
def local(layer, shapes, out):
    def sets_of(positions):
        bias = {"position": (layer.out, *positions), "channel": (layer.out,), "none": None}[layer.bias]
        return math.prod(positions), bias, None
    return _unshared(layer, shapes, out, sets_of)


@writes("tiled_conv", helpers=HELPERS)
def tiled_conv(layer, shapes, out):
    def sets_of(positions):
        tile = per_axis(layer.tile, len(positions))
        used = [min(n, t) for n, t in zip(positions, tile)]       # the distinct residues y mod t per axis
        sets = math.prod(used)
        return sets, (sets, layer.out) if layer.bias else None, tuple(zip(tile, used))
    return _unshared(layer, shapes, out, sets_of)
