"""PyTorch writers of local and tiled_conv (cnncalc/layers/local.py): one module, Unshared, whose weights
are chosen per output position."""

from __future__ import annotations

import math

from cnncalc.export.code import Code, Helper, ndim, per_axis, writes
from cnncalc.layers.sliding import geometry

UNSHARED = '''
class Unshared(nn.Module):
    """A convolution whose weights are chosen per output position: weight holds S weight sets
    [S, C_out, C_in * prod(k)]. Locally connected (no tiles): one set per position; tiled: positions a
    tile apart share a set, tiles being the tile and the sets used per axis. Built for one input size
    (its weights are per position): forward refuses another."""

    tile: list[int]
    used: list[int]

    def __init__(self, size: list[int], pad: list[int], kernels: list[int], strides: list[int],
                 dilations: list[int], weight_sets: int, c_out: int, taps: int, bias_shape: list[int],
                 tile: list[int], used: list[int]):
        super().__init__()
        self.size, self.pad, self.kernels, self.strides, self.dilations = size, pad, kernels, strides, dilations
        self.tile, self.used = tile, used
        padded = [n + pad[2 * (len(size) - 1 - i)] + pad[2 * (len(size) - 1 - i) + 1] for i, n in enumerate(size)]
        self.out = [(n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(padded, kernels, strides, dilations)]
        self.weight = nn.Parameter(torch.randn(weight_sets, c_out, taps) / math.sqrt(taps))
        self.bias = nn.Parameter(torch.zeros(bias_shape)) if bias_shape else None

    def set_index(self, device: torch.device):
        """Tiled: position (y_1, ..., y_n) uses weight set (y_1 mod t_1, ..., y_n mod t_n), in mixed radix."""
        index = torch.zeros([1], dtype=torch.long, device=device)
        for i in range(len(self.out)):
            here = torch.remainder(torch.arange(self.out[i], device=device), self.tile[i])
            index = (index.unsqueeze(-1) * self.used[i] + here).reshape(-1)
        return index

    def forward(self, x):
        if list(x.shape[2:]) != self.size:
            raise RuntimeError("this locally connected layer is built for input size " + str(self.size)
                               + ", not " + str(list(x.shape[2:])) + ": export the spec for that size")
        x = F.pad(x, self.pad)
        count = len(self.kernels)
        for i in range(count):       # windows along axis i: [.., n, ..] -> [.., out, k, ..], by index
            offsets = torch.arange(self.out[i], device=x.device) * self.strides[i]
            taps = torch.arange(self.kernels[i], device=x.device) * self.dilations[i]
            dim = 2 + 2 * i
            shape = list(x.shape)
            x = x.index_select(dim, (offsets.unsqueeze(1) + taps).reshape(-1))
            x = x.reshape(shape[:dim] + [self.out[i], self.kernels[i]] + shape[dim + 1:])
        order = [0] + [2 + 2 * i for i in range(count)] + [1] + [3 + 2 * i for i in range(count)]
        positions = 1
        for n in self.out:
            positions *= n
        cols = x.permute(order).reshape(x.shape[0], positions, -1)
        weight = self.weight
        if len(self.tile) > 0:
            weight = weight[self.set_index(x.device)]
        y = torch.einsum("bpi,poi->bop", cols, weight)
        bias = self.bias
        if bias is not None:
            if len(self.tile) == 0:
                y = y + bias.reshape(1, bias.shape[0], -1)
            else:
                y = y + bias[self.set_index(x.device)].T
        return y.reshape([x.shape[0], weight.shape[1]] + self.out)
'''

HELPERS = (Helper("Unshared", UNSHARED, math=True),)


def _unshared(layer, shapes, out, sets_of):
    shape = shapes[0]
    ndim(shape)
    geo = geometry(shape[1:], layer.kernel, layer.stride, layer.padding, layer.dilation)
    taps = shape[0] * math.prod(geo.kernel)
    sets, bias, tiles = sets_of(geo.output)
    tile, used = ([t for t, _ in tiles], [u for _, u in tiles]) if tiles else ([], [])
    ctor = (f"Unshared({list(shape[1:])}, {[v for before, after in reversed(geo.padding) for v in (before, after)]}, {list(geo.kernel)}, "
            f"{list(geo.stride)}, {list(geo.dilation)}, {sets}, {layer.out}, {taps}, {list(bias or [])}, "
            f"{tile}, {used})")
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
