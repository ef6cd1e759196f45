"""Every layer's output while an exported network runs, with nothing in the file (the figures checks).

The exported forward() keeps one local variable per layer; :func:`trace_outputs` runs the network once under
a profile hook (``sys.setprofile``) that, as each forward() of the file returns, reads its local variables and
names them by ``Export.variables`` (the class's variable → the layer's name inside the instance) and
``Export.prefixes`` (the instance's attribute path → its layers' name prefix); a layer inside an
``nn.Sequential`` has no variable of its own: a forward hook on its module (``Export.hooked``) records it.
Never imports torch.
"""

from __future__ import annotations

import sys
from typing import Any


def trace_outputs(net: Any, exported: Any, x: Any) -> dict:
    """{layer name: output tensor} for one call ``net(x)`` of a network built from ``exported.text``
    (``"input"`` is ``x``); the network's output is also returned under its layer's name."""
    paths = {id(module): path for path, module in net.named_modules()}
    forwards = {}
    for module in net.modules():
        cls = type(module)
        if cls.__name__ in exported.variables and getattr(cls, "forward", None) is not None:
            forwards[cls.forward.__code__] = exported.variables[cls.__name__]
    found: dict = {"input": x}

    def profile(frame, event, arg):
        if event != "return" or frame.f_code not in forwards:
            return
        local = frame.f_locals
        path = paths.get(id(local.get("self")))
        if path is None:
            return
        prefix = exported.prefixes.get(path, "")
        for var, name in forwards[frame.f_code].items():
            if var in local:
                found[f"{prefix}.{name}" if prefix else name] = local[var]

    def hook(name):
        def record(module, inputs, output):
            found[name] = output
        return record

    handles = [net.get_submodule(path).register_forward_hook(hook(name)) for name, path in exported.hooked.items()]
    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        net(x)
    finally:
        sys.setprofile(previous)
        for handle in handles:
            handle.remove()
    return found
