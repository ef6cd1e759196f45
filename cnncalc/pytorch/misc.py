"""PyTorch writers of lrn, pad, reshape and embedding (cnncalc/layers/misc.py)."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, Refused, args, ndim, number, torch_pad, writes
from cnncalc.shapes import resolve_padding

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


@writes("lrn")
def lrn(layer, shapes, out):
    ctor = "nn.LocalResponseNorm(" + args(layer.size, alpha=(number(layer.alpha), "0.0001"),
                                          beta=(number(layer.beta), "0.75"), k=(number(layer.k), "1.0")) + ")"
    flat = len(shapes[0]) == 1          # torch needs a spatial axis: a flat [C] runs as [C, 1]
    return Code(modules=(("", ctor),), expr="{m}({0}.unsqueeze(2)).squeeze(2)" if flat else "{m}({0})")


@writes("pad")
def pad(layer, shapes, out):
    count = ndim(shapes[0])
    pairs = resolve_padding(layer.padding, shapes[0][1:], (1,) * count, (1,) * count)
    if layer.mode == "constant":
        value = f", value={number(layer.value)}" if layer.value else ""
        return Code(expr=f"F.pad({{0}}, {torch_pad(pairs)}{value})")
    return Code(expr=f"F.pad({{0}}, {torch_pad(pairs)}, mode={layer.mode!r})")


@writes("reshape")
def reshape(layer, shapes, out):
    """The batch from the tensor (another batch is never folded into the sizes), and so are the spatial axes
    the reshape leaves alone at either end (selective kernel's [2·C, H, W] → [2, C, H, W]); of the axes
    between, the one the spec leaves to -1, or the one axis above 1 they merge into (tokens [C, H·W] from
    [C, H, W]), is -1, the others the spec's numbers. Where those numbers split one of the input's spatial
    axes ([C, H·W] back to [C, H, W]), the code is fixed to the spec's input size (Code.fixed)."""
    shape, out = tuple(shapes[0]), tuple(out)
    n, m = len(shape), len(out)
    tail = 0
    while tail < min(n, m) and shape[n - 1 - tail] == out[m - 1 - tail]:
        tail += 1
    head = 0
    while head < min(n, m) - tail and shape[head] == out[head]:
        head += 1
    between = range(head, m - tail)
    inferred = next((j for j in between if layer.shape[j] == -1), None)
    above = [j for j in between if out[j] > 1]
    if inferred is None and len(above) == 1:
        inferred = above[0]
    sizes = []
    for j, size in enumerate(out):
        kept = j if j < head else n - (m - j) if j >= m - tail else None     # the input axis it keeps
        if kept is not None and kept >= 1 and size > 1:
            sizes.append(f"{{0}}.shape[{kept + 1}]")
        else:
            sizes.append("-1" if j == inferred else str(size))
    fixed = inferred is None and any(i >= 1 and shape[i] > 1 for i in range(head, n - tail))
    return Code(expr="{0}.reshape({0}.shape[0], " + ", ".join(sizes) + ")",
                fixed=f"reshapes {list(shape)} to {list(out)}" if fixed else "")


@writes("embedding", helpers=(Helper("Embedding", EMBEDDING),))
def embedding(layer, shapes, out):
    shape = shapes[0]
    if not (len(shape) == 1 or (len(shape) == 2 and shape[0] == 1)):
        raise Refused(f"embedding needs token ids [L] or [1, L], got {list(shape)}")
    return Code(modules=(("", f"Embedding({layer.vocab}, {layer.dim})"),), helpers=("Embedding",))
