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
    # the batch from the tensor: another input size fails in torch instead of changing the batch
    return Code(expr="{0}.reshape({0}.shape[0], " + ", ".join(map(str, out)) + ")")


@writes("embedding", helpers=(Helper("Embedding", EMBEDDING),))
def embedding(layer, shapes, out):
    shape = shapes[0]
    if not (len(shape) == 1 or (len(shape) == 2 and shape[0] == 1)):
        raise Refused(f"embedding needs token ids [L] or [1, L], got {list(shape)}")
    return Code(modules=(("", f"Embedding({layer.vocab}, {layer.dim})"),), helpers=("Embedding",))
