"""ONNX BatchNormalization, LayerNormalization and Dropout → ``batchnorm``, ``layernorm``, ``dropout``
(cnncalc/layers/norm.py)."""

from __future__ import annotations

from cnncalc.layers.norm import BatchNorm, Dropout, LayerNorm
from cnncalc.onnximport.mapping import Unmapped, attrs, differing, float32, maps
from cnncalc.onnximport.translate import Translator, identity
from cnncalc.onnxmap.tensor import batch_one, channels_last

ONNX_EPSILON = 1e-05        # ONNX's default epsilon of BatchNormalization and LayerNormalization
ONNX_RATIO = 0.5            # ONNX's default ratio of Dropout


@maps("BatchNormalization")
def batchnorm(t: Translator, node) -> None:
    """`batchnorm`: `epsilon` → `eps` (float32 attributes shown as their shortest decimal: 0.001); refused
    when its running statistics outputs are used (training mode)"""
    x = t.act(node)
    if any(name for name in node.output[1:]):
        raise Unmapped("its running statistics outputs are used (training mode)")
    channels = t.shape(node.input[0])[1]
    for i, what in ((1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")):
        value = t.const(node, i, what)
        if value is None or list(value.shape) != [channels]:
            raise t.fail(node, f"its {what} must be {channels} constants, got "
                               f"{None if value is None else list(value.shape)}")
    eps = float32(attrs(node).get("epsilon", ONNX_EPSILON))
    t.emit(node, BatchNorm, differing(BatchNorm, eps=eps), [x])


@maps("LayerNormalization")
def layernorm(t: Translator, node) -> None:
    """`layernorm`: the last axis when it is the channel axis (after a channels-last Transpose, or of
    [N, C]; in a model of batch 1, any last axis but the batch, after a `permute` that makes it the channel
    axis) → `over: channels`; from axis 1 → `over: all`; `epsilon` → `eps`; it must have a bias"""
    x = t.act(node, any_layout=True)
    shape = t.shape(node.input[0])
    a = attrs(node)
    axis = int(a.get("axis", -1)) % len(shape)
    if axis == len(shape) - 1 and x.perm[axis] == 1:
        over = "channels"
    elif axis == len(shape) - 1 and x.perm[axis] != 0 and batch_one(t) and len(x.perm) - (0 in x.perm) > 1:
        x, over = channels_last(t, node), "channels"     # over the last axis made the channel axis (MaxViT)
    elif axis == 1 and x.perm == identity(len(shape)):
        over = "all"
    else:
        raise Unmapped(f"normalises from axis {axis} of {list(shape)}; cnncalc has the channel axis or all")
    if any(name for name in node.output[1:]):
        raise Unmapped("its mean or inverse deviation outputs are used")
    size = 1
    for n in shape[axis:]:
        size *= n
    scale, bias = t.const(node, 1, "scale"), t.const(node, 2, "bias")
    if scale is None or scale.size != size:
        raise t.fail(node, f"its scale must have {size} values")
    if bias is None:
        raise Unmapped("no bias (cnncalc's affine layernorm has a scale and a bias)")
    eps = float32(a.get("epsilon", ONNX_EPSILON))
    # `over` is written even when it is the default: it says which values the model normalises together
    t.emit(node, LayerNorm, {"over": over, **differing(LayerNorm, eps=eps)}, [x], perm=x.perm)


@maps("Dropout")
def dropout(t: Translator, node) -> None:
    """`dropout`: `ratio` → `rate`; refused when its mask output is used"""
    x = t.act(node, any_layout=True)
    if len(node.output) > 1 and node.output[1] and node.output[1] in t.consumers:
        raise Unmapped("its mask output is used")
    ratio = t.const(node, 1, "ratio")
    rate = float32(ratio if ratio is not None else attrs(node).get("ratio", ONNX_RATIO))
    t.emit(node, Dropout, differing(Dropout, rate=rate), [x], perm=x.perm)
