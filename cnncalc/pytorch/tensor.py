"""PyTorch writers of matmul, reduce, permute, expand and roll (cnncalc/layers/tensor.py): torch's own operations,
their axes shifted by one for the batch axis."""

from __future__ import annotations

from cnncalc.export.code import Code, writes


def _dims(axes) -> str:
    return "(" + ", ".join(str(a + 1) for a in axes) + ("," if len(axes) == 1 else "") + ")"


@writes("matmul")
def matmul(layer, shapes, out):
    return Code(expr="torch.matmul({0}, {1})")


@writes("reduce")
def reduce(layer, shapes, out):
    dims = _dims(layer.reduced(shapes[0]))
    keep = ", keepdim=True" if layer.keepdims else ""
    if layer.op == "l2":
        return Code(expr=f"torch.linalg.vector_norm({{0}}, dim={dims}{keep})")
    method = {"sum": "sum", "mean": "mean", "max": "amax"}[layer.op]
    return Code(expr=f"{{0}}.{method}(dim={dims}{keep})")


@writes("permute")
def permute(layer, shapes, out):
    return Code(expr="{0}.permute(0, " + ", ".join(str(d + 1) for d in layer.order(shapes[0])) + ")")


@writes("expand")
def expand(layer, shapes, out):
    """The axes it keeps as -1 (their sizes from the tensor); an axis of size 1 expanded to one of the input's
    spatial sizes (ECA's gate to [C, H, W]) fixes the code to the spec's input size (Code.fixed)."""
    added = len(out) - len(shapes[0])
    before = (1,) * added + tuple(shapes[0])
    source = "{0}" + ".unsqueeze(1)" * added
    sizes = ["-1" if b == o else str(o) for b, o in zip(before, out)]
    fixed = any(b != o for i, (b, o) in enumerate(zip(before, out)) if i > added)
    return Code(expr=source + ".expand(-1, " + ", ".join(sizes) + ")",
                fixed=f"expands {list(shapes[0])} to {list(out)}" if fixed else "")


@writes("roll")
def roll(layer, shapes, out):
    pairs = layer.rolled(shapes[0])
    return Code(expr=f"torch.roll({{0}}, shifts={tuple(s for _, s in pairs)!r}, dims={_dims([a for a, _ in pairs])})")
