"""Run the code `cnncalc export --to pytorch` writes: exec it in a fresh namespace, build the network, trace
every layer's output (helpers for the export tests and the parity tests)."""

from __future__ import annotations

import ast

import torch

from cnncalc.export import export_pytorch
from cnncalc.export.tracing import trace_outputs


def imports(text: str) -> set:
    """The top-level modules the source imports."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add((node.module or "").split(".")[0])
    return found


def load(spec, device: str = "cpu"):
    """(the network module, its Export), built from the generated source alone; on 'meta' nothing is
    allocated."""
    exported = export_pytorch(spec)
    namespace: dict = {"__name__": "exported"}
    exec(compile(exported.text, f"<export of {spec.name}>", "exec", dont_inherit=True), namespace)
    with torch.device(device):
        net = namespace[exported.class_name]()
    return net.eval(), exported


def load_module(spec, folder, name: str = "exported_model"):
    """(the network module, its Export), built from the generated file written to ``folder`` and imported
    (torch.jit.script reads a function's source from its file)."""
    import importlib.util
    import sys

    exported = export_pytorch(spec)
    path = folder / f"{name}.py"
    path.write_text(exported.text, encoding="utf-8")
    found = importlib.util.spec_from_file_location(f"{name}_{id(path)}", path)
    module = importlib.util.module_from_spec(found)
    sys.modules[found.name] = module
    found.loader.exec_module(module)
    return getattr(module, exported.class_name)().eval(), exported


def run(net, spec, device: str = "cpu", exported=None) -> dict:
    """Every layer's output, by name, for one random input of batch 1 (cnncalc.export.tracing)."""
    with torch.no_grad():
        return trace_outputs(net, exported or export_pytorch(spec), torch.randn(1, *spec.input_shape,
                                                                                 device=device))


def state(net) -> int:
    return sum(b.numel() for n, b in net.named_buffers() if n.endswith(("running_mean", "running_var")))
