"""The small torch modules an exported file defines for the layer types torch has no module for
(docs/export.md). Each is source text, written into the file only when a layer needs it; cnncalc itself
never imports torch."""

from __future__ import annotations

STOCHASTIC_DEPTH = '''
class StochasticDepth(nn.Module):
    """torchvision.ops.stochastic_depth: in training, a Bernoulli(1 - p) factor per sample (row) or for the
    batch, divided by 1 - p; at inference or with p = 0 the input itself."""

    def __init__(self, p, mode):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0] if self.mode == "row" else 1] + [1] * (x.dim() - 1)
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        return x * noise.div_(survival)
'''

CENTER_CROP = '''
def center_crop(x, like):
    """x cropped to like's spatial size, centred: (n - m) // 2 before, the rest after."""
    index = [slice(None), slice(None)]
    for n, m in zip(x.shape[2:], like.shape[2:]):
        index.append(slice((n - m) // 2, (n - m) // 2 + m))
    return x[tuple(index)]
'''

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

SPP = '''
class SPP(nn.Module):
    """Spatial pyramid pooling: at level n, each axis of size a is pooled with window ceil(a / n) and stride
    floor(a / n); every level flattened and concatenated."""

    def __init__(self, levels, mode):
        super().__init__()
        self.levels, self.mode = levels, mode

    def forward(self, x):
        ndim = x.dim() - 2
        pool = ({1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d} if self.mode == "max"
                else {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d})[ndim]
        parts = []
        for n in self.levels:
            window = tuple(-(-a // n) for a in x.shape[2:])
            stride = tuple(a // n for a in x.shape[2:])
            parts.append(torch.flatten(pool(x, window, stride), 1))
        return torch.cat(parts, dim=1)
'''

NETVLAD = '''
class NetVLAD(nn.Module):
    """NetVLAD: soft-assignment softmax_k(w_k . x + b_k) as a 1x1 convolution D -> K, centres c (K x D),
    V(j, k) = sum_i a_k(x_i) (x_i(j) - c_k(j)), intra- and L2 normalisation."""

    def __init__(self, d, k, intra_norm):
        super().__init__()
        self.assign = nn.Conv1d(d, k, 1)
        self.centres = nn.Parameter(torch.rand(k, d))
        self.intra_norm = intra_norm

    def forward(self, x):
        x = torch.flatten(x, 2)
        a = torch.softmax(self.assign(x), dim=1)
        v = torch.einsum("bkn,bdn->bkd", a, x) - self.centres * a.sum(2).unsqueeze(-1)
        if self.intra_norm:
            v = F.normalize(v, dim=2)
        return F.normalize(torch.flatten(v, 1), dim=1)
'''

EMBEDDING = '''
class Embedding(nn.Module):
    """nn.Embedding over the L token ids of an [L] or [1, L] input, output channels first [D, L]; a floating
    point input is truncated to ids modulo the vocabulary."""

    def __init__(self, vocab, dim):
        super().__init__()
        self.table = nn.Embedding(vocab, dim)

    def forward(self, x):
        ids = torch.remainder(torch.flatten(x, 1).to(torch.long), self.table.num_embeddings)
        return self.table(ids).transpose(1, 2)
'''

TIE = '''
def tie(module, owner):
    """share: module uses owner's parameters and buffers, the very tensors (counted once)."""
    for mine, theirs in zip(module.modules(), owner.modules()):
        for name, tensor in [*theirs.named_parameters(recurse=False), *theirs.named_buffers(recurse=False)]:
            setattr(mine, name, tensor)
'''

# name → (source, needs math)
HELPERS = {"StochasticDepth": (STOCHASTIC_DEPTH, False), "center_crop": (CENTER_CROP, False),
           "Unshared": (UNSHARED, True), "SPP": (SPP, False), "NetVLAD": (NETVLAD, False),
           "Embedding": (EMBEDDING, False), "tie": (TIE, False)}
