"""General tensor operations on shapes of any rank (batch excluded): a matrix product of two activations
(attention's QKᵀ and AV), reductions over any axes, permutations of the axes, expansion of size-1 axes, and
cyclic shifts (roll).

Axes are counted without the batch axis, as every shape in cnncalc is: axis 0 is the first written axis (the
channels of a [C, H, W] tensor; the heads of an attention's [heads, N, d]); a negative axis counts from the
end, as torch's do. Receptive fields (docs/conventions.md, "Receptive fields of tensor operations") stay exact
where an operation keeps the positions of the spatial axes apart and in place, and are the whole input where
it mixes them; an operation that moves positions between axes (a permutation of the spatial axes) makes them
unknown, never guessed.
"""

from __future__ import annotations

from cnncalc.errors import LayerArgError, brief
from cnncalc.layers.base import (BOOLEAN, ELEMENTWISE, KEEPS_NOTHING, UNKNOWN, WHOLE, ArgRule, Facts, Kept, Layer,
                                 Window, Worked, arg, choice, register, times)
from cnncalc.record import record
from cnncalc.shapes import product


def _int(value, key):
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayerArgError(f"'{key}' must be an int or a list of ints, got {brief(value)}", key)
    return value


def templated(item: dict) -> dict:
    """The JSON Schema of a list item that may also be an argument or an expression ('$input.height // 7'),
    as a whole value may (cnncalc/schema.py)."""
    return {"anyOf": [item, {"type": "string", "pattern": r"\$"}]}


AXIS = ArgRule("an axis, batch excluded (0: the first; −1: the last)", _int, {"type": "integer"})


def _ints(value, key):
    items = value if isinstance(value, list) else [value]
    if not items:
        raise LayerArgError(f"'{key}' must not be an empty list", key)
    return tuple(_int(item, key) for item in items)


AXES = ArgRule("an axis or a list of axes, batch excluded (negative: from the end)", _ints,
               {"anyOf": [{"type": "integer"},
                          {"type": "array", "items": templated({"type": "integer"}), "minItems": 1}]})


def _sizes(value, key):
    if not isinstance(value, list) or not value:
        raise LayerArgError(f"'{key}' must be a list of sizes (batch excluded; -1 keeps an axis's size), "
                            f"got {brief(value)}", key)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or (item < 1 and item != -1):
            raise LayerArgError(f"'{key}': every size must be a positive int or -1; got {brief(item)}", key)
    return tuple(value)


SIZES = ArgRule("a list of sizes, batch excluded; -1 keeps the input's size on that axis", _sizes,
                {"type": "array", "items": templated({"type": "integer", "anyOf": [{"minimum": 1}, {"const": -1}]}),
                 "minItems": 1})


def resolve_axes(axes, rank: int, type_name: str, key: str) -> tuple:
    """``axes`` as non-negative axes of a shape of ``rank`` axes, checked: in range and each once."""
    out = []
    for axis in axes:
        if not -rank <= axis < rank:
            raise LayerArgError(f"{type_name}: axis {axis} is outside an input of {rank} axes "
                                f"(batch excluded: 0 .. {rank - 1}, or −{rank} .. −1)", key)
        out.append(axis % rank)
    if len(set(out)) != len(out):
        raise LayerArgError(f"{type_name}: an axis is named twice in {list(axes)}", key)
    return tuple(out)


def mixing_rf(shape: tuple, mixed) -> object:
    """The receptive-field step of an operation that combines the values along ``mixed`` axes of ``shape``
    and keeps its other axes in place: element-wise when only the channel axis (0) is mixed, the whole input
    when a spatial axis is (a value then depends on every position along it; the field is per axis of the
    network input, and the tool reports all of them whole rather than follow which)."""
    return ELEMENTWISE if set(mixed) <= {0} else WHOLE


# ----------------------------------------------------------------------------- matmul


def matmul_shapes(a: tuple, b: tuple, type_name: str) -> tuple:
    """(batch dims, M, K, N) of a product of ``a`` [..., M, K] and ``b`` [..., K, N] of one rank, the batch
    dims broadcast (each one size, or 1)."""
    if len(a) != len(b) or len(a) < 2:
        raise LayerArgError(f"{type_name} needs two inputs of one rank, at least 2 axes ([..., M, K] and "
                            f"[..., K, N]); got {list(a)} and {list(b)}")
    if a[-1] != b[-2]:
        raise LayerArgError(f"{type_name}: the last axis of input 0 ({list(a)}: K = {a[-1]}) must equal the "
                            f"axis before last of input 1 ({list(b)}: {b[-2]})")
    batch = []
    for x, y in zip(a[:-2], b[:-2]):
        if x != y and 1 not in (x, y):
            raise LayerArgError(f"{type_name}: the leading axes of {list(a)} and {list(b)} do not broadcast "
                                f"(on each axis one size, or 1)")
        batch.append(max(x, y))
    return tuple(batch), a[-2], a[-1], b[-1]


@register("matmul")
@record
class MatMul(Layer):
    """The matrix product of two activations, torch.matmul of inputs [..., M, K] and [..., K, N] of one rank →
    [..., M, N], the leading axes broadcast (attention's scores Q·Kᵀ and its output A·V). No parameters.
    MACs: (product of the leading axes)·M·N·K, as torch's FLOP counter counts bmm; FLOPs 2·MACs. Write a
    transposed operand with `permute` first (it moves data only). Receptive field: the whole input (each
    output element reads a whole row of one input and a whole column of the other)."""

    arity = 2
    # torch folds the leading axes into one for its batched product (a reshape), which copies an operand that
    # is a strided slice (attention's heads cut from one projection); it keeps that copy
    contiguous_input = True
    flops_rule = "2·MACs; MACs = (product of the leading axes)·M·N·K (a multiply and an add each)"
    saves_rule = ("each input whose partner needs a gradient (a factor's gradient is the output's times the "
                  "other factor): both when both do")

    def saved_for_backward(self, inputs, output) -> tuple:
        return (Kept(input=0), Kept(input=1))

    def saved_when(self, inputs, output, grads) -> tuple:
        needs = grads.inputs
        return tuple(Kept(input=i) for i, partner in ((0, 1), (1, 0)) if needs[partner])

    def infer(self, inputs) -> Facts:
        a, b = (tuple(s) for s in inputs)
        batch, m, k, n = matmul_shapes(a, b, self.type_name)
        macs = product(batch) * m * n * k
        # mixes along K: a row of A and a column of B, which for attention are all the tokens
        return Facts(output=(*batch, m, n), macs=macs, flops=2 * macs, rf=WHOLE, label=f"matmul ×{k}")

    def worked(self, inputs, facts) -> tuple:
        batch, m, k, n = matmul_shapes(tuple(inputs[0]), tuple(inputs[1]), self.type_name)
        leading = times(batch) + "·" if batch else ""
        macs = product(batch) * m * n * k
        return (Worked("macs", "(leading axes)·M·N·K" if batch else "M·N·K", f"{leading}{m}·{n}·{k}", macs),
                Worked("flops", "2·MACs", f"2·{macs}", 2 * macs))


# ----------------------------------------------------------------------------- reductions


REDUCE_FLOPS = {"sum": "n − 1 adds", "mean": "n − 1 adds and 1 divide", "max": "n − 1 comparisons",
                "l2": "n squares, n − 1 adds and 1 square root"}


@register("reduce")
@record
class Reduce(Layer):
    """Reduce over one or more axes: the sum, mean, maximum or L2 norm (√Σx²) of the n values along them
    (torch's sum, mean, amax, linalg.vector_norm; ONNX's ReduceSum, ReduceMean, ReduceMax, ReduceL2). No
    parameters. FLOPs per output element: sum n − 1, mean n, max n − 1, L2 2n. Receptive field: element-wise
    when it reduces the channel axis only with `keepdims` (CBAM's mean over the channels at each position),
    the whole input when it reduces a spatial axis, unknown when dropping the channel axis moves the spatial
    axes."""

    flops_rule = ("per output element, of n reduced values: sum n − 1 adds; mean n − 1 adds and 1 divide; max "
                  "n − 1 comparisons; l2 n squares, n − 1 adds and 1 square root")
    saves_rule = "sum, mean: nothing; max, l2: its input and its output (as torch's amax and vector_norm save)"

    op: str = arg(choice("sum", "mean", "max", "l2"), "what is computed over the reduced values")
    axes: tuple = arg(AXES, "the axes reduced (batch excluded; 0: channels)")
    keepdims: bool = arg(BOOLEAN, "keep the reduced axes as size 1", False)

    def reduced(self, shape) -> tuple:
        return resolve_axes(self.axes, len(shape), self.type_name, "axes")

    def infer(self, inputs) -> Facts:
        (shape,) = (tuple(s) for s in inputs)
        axes = self.reduced(shape)
        n = product(shape[a] for a in axes)
        if self.keepdims:
            out = tuple(1 if i in axes else size for i, size in enumerate(shape))
        else:
            out = tuple(size for i, size in enumerate(shape) if i not in axes)
        outputs = product(out)
        per = {"sum": n - 1, "mean": n, "max": n - 1, "l2": 2 * n}[self.op]
        rf = mixing_rf(shape, axes)
        if rf == ELEMENTWISE and not self.keepdims:
            rf = UNKNOWN if len(shape) > 1 else WHOLE       # the spatial axes move down to the channel axis
        return Facts(output=out, flops=per * outputs, rf=rf, label=f"reduce {self.op}")

    def saved_for_backward(self, inputs, output) -> tuple:
        if self.op in ("sum", "mean"):
            return KEEPS_NOTHING
        return (Kept(input=0), Kept(output=True))


# ----------------------------------------------------------------------------- permute and expand


@register("permute", "transpose")
@record
class Permute(Layer):
    """Reorder the axes (torch's permute, ONNX's Transpose; batch excluded and kept first): output axis i is
    input axis dims[i]. Moves data only. Receptive field: unchanged by the identity permutation, otherwise
    unknown (positions move to other axes, and the field is followed per axis of the network input)."""

    flops_rule = "0 (data movement only)"
    keeps = KEEPS_NOTHING       # the gradient of a permutation is the inverse permutation
    view = True                 # torch's permute is a view of its input

    dims: tuple = arg(AXES, "the input axis each output axis is, a permutation of 0 .. rank − 1")

    def order(self, shape) -> tuple:
        dims = resolve_axes(self.dims, len(shape), self.type_name, "dims")
        if len(dims) != len(shape):
            raise LayerArgError(f"permute: dims {list(self.dims)} must name each of the {len(shape)} axes of "
                                f"{list(shape)} once", "dims")
        return dims

    def infer(self, inputs) -> Facts:
        (shape,) = (tuple(s) for s in inputs)
        dims = self.order(shape)
        same = dims == tuple(range(len(shape)))
        return Facts(output=tuple(shape[d] for d in dims), rf=ELEMENTWISE if same else UNKNOWN,
                     label="permute " + ",".join(map(str, dims)))


@register("expand")
@record
class Expand(Layer):
    """Repeat axes of size 1 (torch's expand, ONNX's Expand; batch excluded): `shape` is the output, each of
    its sizes the input's or, where the input has 1, any size; −1 keeps the input's; leading axes may be
    added. Moves data only (ECA's and SK's gates broadcast over positions). Receptive field: every output
    position along an expanded spatial axis sees the input's one position there (a window of stride 0);
    unknown when axes are added."""

    flops_rule = "0 (data movement only)"
    keeps = KEEPS_NOTHING       # the gradient is a sum over the repeated axes: nothing kept
    view = True                 # torch's expand is a view of its input

    shape: tuple = arg(SIZES, "the output's shape (batch excluded)")

    def target(self, shape) -> tuple:
        if len(self.shape) < len(shape):
            raise LayerArgError(f"expand: shape {list(self.shape)} has fewer axes than the input {list(shape)}",
                                "shape")
        added = len(self.shape) - len(shape)
        out = []
        for i, size in enumerate(self.shape):
            have = shape[i - added] if i >= added else None
            if size == -1:
                if have is None:
                    raise LayerArgError(f"expand: -1 on axis {i}, which the input {list(shape)} does not have",
                                        "shape")
                size = have
            elif have is not None and have not in (1, size):
                raise LayerArgError(f"expand: axis {i} of the input {list(shape)} is {have}; only an axis of "
                                    f"size 1 can become {size}", "shape")
            out.append(size)
        return tuple(out)

    def infer(self, inputs) -> Facts:
        (shape,) = (tuple(s) for s in inputs)
        out = self.target(shape)
        rf: object = UNKNOWN
        if len(out) == len(shape):
            spatial = range(1, len(shape))
            # an expanded axis: every output unit reads input position 0 (stride 0, span 1); a kept axis: itself
            rf = Window(spans=tuple(1 for _ in spatial),
                        strides=tuple(0 if shape[i] != out[i] else 1 for i in spatial),
                        offsets=tuple(0 for _ in spatial))
            if all(shape[i] == out[i] for i in spatial):
                rf = ELEMENTWISE
        return Facts(output=out, rf=rf, label="expand")


SHIFTS = ArgRule("an int or a list of ints (positions; negative: towards the start)", _ints, AXES.schema)


@register("roll")
@record
class Roll(Layer):
    """Shift cyclically along axes (torch's roll: Swin Transformer's shifted windows): output position p of
    axis `axes[i]` is input position (p − shifts[i]) mod n. Moves data only. Receptive field: unchanged when
    only the channel axis rolls (or every shift is a whole turn); otherwise unknown (positions wrap around
    from one end of the axis to the other, which no window describes)."""

    flops_rule = "0 (data movement only)"
    keeps = KEEPS_NOTHING       # the gradient is the opposite roll

    shifts: tuple = arg(SHIFTS, "the shift along each of `axes`")
    axes: tuple = arg(AXES, "the axes rolled, batch excluded (0: channels)")

    def rolled(self, shape) -> tuple:
        """(axis, shift) pairs, non-negative axes, checked."""
        axes = resolve_axes(self.axes, len(shape), self.type_name, "axes")
        if len(axes) != len(self.shifts):
            raise LayerArgError(f"roll: {len(self.shifts)} shifts for {len(axes)} axes", "shifts")
        return tuple(zip(axes, self.shifts))

    def infer(self, inputs) -> Facts:
        (shape,) = (tuple(s) for s in inputs)
        moved = [axis for axis, shift in self.rolled(shape) if shift % shape[axis]]
        return Facts(output=shape, rf=ELEMENTWISE if set(moved) <= {0} else UNKNOWN, label="roll")
