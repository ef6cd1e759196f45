"""PyTorch writers of the pooling types (cnncalc/layers/pool.py): windowed max, average and sum pooling,
anti-aliased (blur) pooling (a module written into the file), and global pooling."""

from __future__ import annotations

from cnncalc.export.code import (PAD_SAME, Code, Helper, Refused, args, axes, ndim, padded, size_dependent,
                                 symmetric, symmetric_padding, writes)
from cnncalc.pytorch.conv import used
from cnncalc.layers.sliding import geometry


def _window(layer, shape, dilated: bool = False):
    """The windows, and torch's stride and padding arguments; ``dilated``: torch's pooling has dilation."""
    ndim(shape)
    stride = layer.kernel if layer.stride is None else layer.stride
    geo = geometry(shape[1:], layer.kernel, stride, layer.padding, layer.dilation, layer.ceil_mode)
    if not dilated and any(x != 1 for x in geo.dilation):
        raise Refused("torch's average pooling has no dilation")
    if not symmetric(geo.padding) and layer.ceil_mode:
        raise Refused("asymmetric padding with ceil_mode: torch's last window counts only its own symmetric "
                      "padding, so an explicit F.pad would change the output size")
    same = (geo.kernel, geo.stride, geo.dilation) if size_dependent(layer.padding, stride) else None
    if same and layer.ceil_mode:
        raise Refused("'same' padding with ceil_mode")
    padding = "0" if same else symmetric_padding(geo.padding)
    return geo, same, dict(stride=(axes(geo.stride), axes(geo.kernel)), padding=(padding, "0"))


@writes("maxpool", helpers=(PAD_SAME,))
def maxpool(layer, shapes, out):
    geo, same, common = _window(layer, shapes[0], dilated=True)
    ctor = f"nn.MaxPool{ndim(shapes[0])}d(" + args(axes(geo.kernel), **common, dilation=(axes(geo.dilation), "1"),
                                                   ceil_mode=(layer.ceil_mode, False)) + ")"
    inner = padded(geo.padding, "float('-inf')", same)
    return Code(modules=(("", ctor),), expr="{m}(" + inner + ")", helpers=used(inner))


@writes("avgpool", helpers=(PAD_SAME,))
def avgpool(layer, shapes, out):
    geo, same, common = _window(layer, shapes[0])
    ctor = f"nn.AvgPool{ndim(shapes[0])}d(" + args(axes(geo.kernel), **common,
                                                   ceil_mode=(layer.ceil_mode, False)) + ")"
    inner = padded(geo.padding, same=same)
    return Code(modules=(("", ctor),), expr="{m}(" + inner + ")", helpers=used(inner))


@writes("sumpool", helpers=(PAD_SAME,))
def sumpool(layer, shapes, out):
    """Average pooling with divisor 1 (exact); torch has no divisor for 1-D, so 1-D runs as 2-D."""
    geo, same, _ = _window(layer, shapes[0])
    count = ndim(shapes[0])
    k, s = geo.kernel, geo.stride
    p = tuple(b for b, _ in geo.padding) if symmetric(geo.padding) and not same else (0,) * count
    inner = padded(geo.padding, same=same)
    if count == 1:
        k, s, p = (1, *k), (1, *s), (0, *p)
        inner += ".unsqueeze(2)"
    ctor = f"nn.AvgPool{max(count, 2)}d(" + args(axes(k), stride=(axes(s), axes(k)), padding=(axes(p), "0"),
                                                 ceil_mode=(layer.ceil_mode, False),
                                                 divisor_override=(1, None)) + ")"
    return Code(modules=(("", ctor),), expr="{m}(" + inner + ")" + (".squeeze(2)" if count == 1 else ""),
                helpers=used(inner))


def _global(kind: str):
    def write(layer, shapes, out):
        ctor = f"nn.Adaptive{kind}Pool{ndim(shapes[0])}d(1)"
        return Code(modules=(("", ctor),), expr="{m}({0})" if layer.keepdims else "torch.flatten({m}({0}), 1)")
    return write


writes("global_avgpool")(_global("Avg"))
writes("global_maxpool")(_global("Max"))


BLUR_POOL = '''
class BlurPool(nn.Module):
    """Anti-aliased downsampling (Zhang, ICML 2019; timm's BlurPool2d): each channel convolved with the fixed
    normalised binomial filter, the outer product of the rows C(k - 1, i) / 2^(k - 1) of each axis. The filter
    is a non-persistent buffer (as timm's): neither a parameter nor in state_dict()."""

    def __init__(self, channels, kernel, stride, padding, dilation):
        super().__init__()
        filt = torch.ones([])
        for k in kernel:
            row = torch.tensor([float(math.comb(k - 1, i)) for i in range(k)]) / 2 ** (k - 1)
            filt = filt.unsqueeze(-1) * row
        self.register_buffer("filt", filt.expand(channels, 1, *kernel).contiguous(), persistent=False)
        self.conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[len(kernel)]
        self.stride, self.padding, self.dilation, self.channels = stride, padding, dilation, channels

    def forward(self, x):
        return self.conv(x, self.filt, stride=self.stride, padding=self.padding, dilation=self.dilation,
                         groups=self.channels)
'''


@writes("blurpool", helpers=(Helper("BlurPool", BLUR_POOL, math=True), PAD_SAME))
def blurpool(layer, shapes, out):
    shape = shapes[0]
    ndim(shape)
    geo = geometry(shape[1:], layer.kernel, layer.stride, layer.padding, layer.dilation)
    same = (geo.kernel, geo.stride, geo.dilation) if size_dependent(layer.padding, layer.stride) else None
    padding = "0" if same else symmetric_padding(geo.padding)
    ctor = f"BlurPool({shape[0]}, {list(geo.kernel)}, {list(geo.stride)}, {padding}, {list(geo.dilation)})"
    inner = padded(geo.padding, same=same)
    return Code(modules=(("", ctor),), expr="{m}(" + inner + ")", helpers=("BlurPool", *used(inner)))
