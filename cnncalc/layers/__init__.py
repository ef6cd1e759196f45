"""Layer types, one module per family.

A family's module is imported the first time one of its types is looked up, so a spec that uses five
layer types does not pay for creating all forty classes (start-up time). ``FAMILIES`` says which module
defines each type name and alias; tests/test_layers_command.py checks it against what the modules register.
Importing ``REGISTRY`` from here (or calling ``registry()``) loads every family.
"""

from importlib import import_module

from cnncalc.layers import base
from cnncalc.layers.base import Facts, Layer, register  # noqa: F401

FAMILIES = {
    "cnncalc.layers.activation": ("relu", "relu6", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "softmax"),
    "cnncalc.layers.conv": ("conv",),
    "cnncalc.layers.dense": ("dense", "fc", "linear"),
    "cnncalc.layers.norm": ("batchnorm", "dropout"),
    "cnncalc.layers.pool": ("maxpool", "avgpool", "sumpool", "global_avgpool", "global_maxpool"),
    "cnncalc.layers.structure": ("input", "flatten", "concat", "add"),
    "cnncalc.layers.adaptive": ("adaptive_maxpool", "adaptive_avgpool"),
    "cnncalc.layers.local": ("local", "locally_connected", "tiled_conv"),
    "cnncalc.layers.misc": ("lrn", "pad", "reshape", "embedding"),
    "cnncalc.layers.resample": ("upsample",),
    "cnncalc.layers.separable": ("depthwise_conv", "separable_conv"),
    "cnncalc.layers.spp": ("spp",),
    "cnncalc.layers.transpose": ("conv_transpose", "deconv"),
    "cnncalc.layers.vlad": ("netvlad",),
}
_MODULE_OF = {name: module for module, names in FAMILIES.items() for name in names}


def lookup(name):
    """The layer class for a type name or alias, or None."""
    if not isinstance(name, str) or name not in _MODULE_OF:
        return None
    import_module(_MODULE_OF[name])
    return base.lookup(name)


def type_names() -> list[str]:
    """Every type name and alias, without importing any family."""
    return sorted(_MODULE_OF)


def registry() -> dict:
    """{type name: class} for every layer type (imports every family)."""
    for module in FAMILIES:
        import_module(module)
    return base.REGISTRY


def __getattr__(name):
    if name == "REGISTRY":
        return registry()
    raise AttributeError(f"module 'cnncalc.layers' has no attribute '{name}'")
