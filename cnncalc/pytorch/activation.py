"""PyTorch writers of the activations (cnncalc/layers/activation.py): torch's module of each."""

from __future__ import annotations

from cnncalc.export.code import module, number, writes

# the types whose module takes no argument
for _name, _ctor in {"relu": "nn.ReLU()", "relu6": "nn.ReLU6()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()",
                     "silu": "nn.SiLU()", "hardswish": "nn.Hardswish()",
                     "hardsigmoid": "nn.Hardsigmoid()", "mish": "nn.Mish()"}.items():
    writes(_name)(lambda layer, shapes, out, ctor=_ctor: module(ctor))


@writes("leaky_relu")
def leaky_relu(layer, shapes, out):
    return module(f"nn.LeakyReLU({number(layer.negative_slope)})")


@writes("elu")
def elu(layer, shapes, out):
    return module(f"nn.ELU({number(layer.alpha)})")


@writes("gelu")
def gelu(layer, shapes, out):
    return module("nn.GELU()" if layer.approximate == "none" else f"nn.GELU(approximate={layer.approximate!r})")


@writes("prelu")
def prelu(layer, shapes, out):
    return module(f"nn.PReLU({shapes[0][0]})" if layer.per_channel else "nn.PReLU()")


@writes("softmax")
def softmax(layer, shapes, out):
    # the layer's axis counts without the batch axis; torch's with it (a negative one is the same in both)
    axis = layer.along(shapes[0])
    return module(f"nn.Softmax(dim={axis + 1})")
