"""PyTorch writers of the normalisations and dropout (cnncalc/layers/norm.py)."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, Refused, args, channels_last, module, number, writes

LAYERNORM2D = Helper("LayerNorm2d", """
class LayerNorm2d(nn.LayerNorm):
    \"\"\"nn.LayerNorm over the channels of an [N, C, H, W] tensor (torchvision's LayerNorm2d): its parameters
    are nn.LayerNorm's.\"\"\"

    def forward(self, x):
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
""")


def _norm(kind: str, dims_of_rank: dict, layer, shape, default: bool) -> Code:
    """nn.BatchNormNd / nn.InstanceNormNd for an input of ``shape`` (N from its rank); ``default``: torch's
    default for affine and track_running_stats (True for BatchNorm, False for InstanceNorm)."""
    dims = dims_of_rank.get(len(shape))
    if dims is None:
        raise Refused(f"no {kind} for input {list(shape)}")
    return Code(modules=(("", f"nn.{kind}{dims}d(" + args(
        shape[0], eps=(number(layer.eps), "1e-05"), momentum=(number(layer.momentum), "0.1"),
        affine=(layer.affine, default), track_running_stats=(layer.track_running_stats, default)) + ")"),))


@writes("batchnorm")
def batchnorm(layer, shapes, out):
    return _norm("BatchNorm", {1: 1, 2: 1, 3: 2, 4: 3}, layer, shapes[0], True)


@writes("instancenorm")
def instancenorm(layer, shapes, out):
    return _norm("InstanceNorm", {2: 1, 3: 2, 4: 3}, layer, shapes[0], False)


@writes("layernorm", helpers=(LAYERNORM2D,))
def layernorm(layer, shapes, out):
    shape = shapes[0]
    affine = dict(eps=(number(layer.eps), "1e-05"), elementwise_affine=(layer.affine, True), bias=(layer.affine, True))
    if layer.over == "all":
        return Code(modules=(("", "nn.LayerNorm(" + args(list(shape), **affine) + ")"),))
    return channels_last("nn.LayerNorm(" + args(shape[0], **affine) + ")", shape, LAYERNORM2D)


@writes("groupnorm")
def groupnorm(layer, shapes, out):
    return module("nn.GroupNorm(" + args(layer.groups, shapes[0][0], eps=(number(layer.eps), "1e-05"),
                                         affine=(layer.affine, True)) + ")")


@writes("dropout")
def dropout(layer, shapes, out):
    return module(f"nn.Dropout({number(layer.rate)})")
