"""A spec → readable PyTorch source (docs/export.md). Returns text; never imports torch.

One nn.Module class per distinct expansion of a block (``Basic``, ``Basic_2``, … when instances of a block
differ in what they build), a top-level class for the network; forward(x, trace=None) follows the graph with
one local variable per layer and, given a dict as ``trace``, fills it with every layer's output by its full
name (the tests compare those with the analysis). The code is written for the spec's input shape (channels
and `same` paddings are resolved for it): export again for another input.
"""

from __future__ import annotations

import keyword
import re

from cnncalc.errors import SpecError
from cnncalc.export.code import Code, Helper, Refused, writer_for
from cnncalc.layers import companion_module
from cnncalc.record import record

# nn.Module's own attributes (a layer named 'eval' or 'training' gets a trailing '_'), and forward's names
MODULE_NAMES = frozenset("""T_destination add_module apply bfloat16 buffers call_super_init children compile cpu
cuda double dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half
ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters
register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook
register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook
register_module register_parameter register_state_dict_post_hook register_state_dict_pre_hook requires_grad_
set_extra_state set_submodule share_memory state_dict to to_empty train type xpu zero_grad training""".split())
# forward's own names and the imports (and the names the helpers a network's writers declare define)
LOCAL_NAMES = frozenset({"x", "self", "trace", "prefix", "torch", "nn", "F", "math", "float"})

TIE = Helper("tie", '''
def tie(module, owner):
    """share: module uses owner's parameters and buffers, the very tensors (counted once)."""
    for mine, theirs in zip(module.modules(), owner.modules()):
        for name, tensor in [*theirs.named_parameters(recurse=False), *theirs.named_buffers(recurse=False)]:
            setattr(mine, name, tensor)
''')


@record
class Export:
    text: str                 # the Python source
    class_name: str           # the network's class
    modules: dict             # node name → attribute paths (modules, or the nn.Parameter of a scale) it runs


def identifier(name: str, taken: set) -> str:
    ident = re.sub(r"\W", "_", name)
    if ident[0].isdigit():
        ident = "_" + ident
    while keyword.iskeyword(ident) or ident in taken:
        ident += "_"
    taken.add(ident)
    return ident


def camel(name: str) -> str:
    text = "".join(part[:1].upper() + part[1:] for part in re.split(r"\W|_", name) if part)
    return text if text and not text[0].isdigit() else "Net" + text


class _Scope:
    """The top-level network or one block instance: its own nodes and the instances directly inside."""

    def __init__(self, prefix: str, block: str, origin: str, output: str):
        self.prefix, self.block, self.origin, self.output = prefix, block, origin, output
        self.members: list = []         # node names and child _Scopes, in order
        self.node_names: set = set()
        self.children: list = []
        self.attr = ""                  # its attribute in the parent
        self.path = ""                  # its attribute path from the network

    def local(self, name: str) -> str:
        return name[len(self.prefix) + 1:] if self.prefix else name


def export_pytorch(spec) -> Export:
    from cnncalc.analysis import analyze
    report = analyze(spec)
    return _Writer(spec, {row.name: row.output_shape for row in report.rows}).write()


class _Writer:
    def __init__(self, spec, shapes: dict):
        self.spec, self.graph, self.shapes = spec, spec.graph, shapes
        self.classes: list = []          # class sources, dependencies first
        self.bodies: dict = {}           # (block, body text) → class name
        # every layer class's writer (None: it has none), and the helpers they declare
        self.writers = {cls: writer_for(cls) for cls in {type(node.layer) for node in self.graph.nodes.values()}}
        self.declared: dict = {TIE.name: TIE}
        for writer in filter(None, self.writers.values()):
            for helper in writer.helpers.values():
                if self.declared.setdefault(helper.name, helper) != helper:
                    raise RuntimeError(f"two PyTorch writers declare different helpers named '{helper.name}'")
        self.helpers: dict = {}          # the helpers used, in the order of first use
        reserved = {name for helper in self.declared.values() for name in helper.defines()}
        self.class_names: set = set(reserved)
        self.local_names = LOCAL_NAMES | reserved
        self.modules: dict = {}
        self.ties: list = []             # (path of a module, path of its owner) across classes
        self.top = _Scope("", "", "input", self.graph.output)

    # -- scopes ------------------------------------------------------------------------------------------

    def _scopes(self) -> None:
        nodes = self.graph.nodes
        scopes = [_Scope(*inst) for inst in self.graph.instances
                  if any(name.startswith(inst[0] + ".") for name in nodes)]
        # an instance whose inner layers other than its output are read from outside is written inline
        flat: set = set()
        for name, node in nodes.items():
            for source in node.inputs:
                scope = self._owner(source, scopes)
                while scope is not self.top and not name.startswith(scope.prefix + ".") and source != scope.output:
                    flat.add(scope.prefix)
                    scope = self._parent(scope, scopes)
        scopes = [s for s in scopes if s.prefix not in flat]
        for scope in sorted(scopes, key=lambda s: len(s.prefix)):
            self._parent(scope, scopes).children.append(scope)
        for name in nodes:
            self._owner(name, scopes).node_names.add(name)

    def _owner(self, name, scopes):
        best = self.top
        for scope in scopes:
            if name.startswith(scope.prefix + ".") and len(scope.prefix) > len(best.prefix):
                best = scope
        return best

    def _parent(self, scope, scopes) -> _Scope:
        best = self.top
        for other in scopes:
            if other is not scope and scope.prefix.startswith(other.prefix + ".") and \
                    len(other.prefix) > len(best.prefix):
                best = other
        return best

    def _all_nodes(self, scope: _Scope) -> set:
        names = set(scope.node_names)
        for child in scope.children:
            names |= self._all_nodes(child)
        return names

    def _external(self, scope: _Scope) -> list:
        """The nodes outside ``scope`` its layers read: its origin first."""
        inner = self._all_nodes(scope)
        found = [scope.origin]
        for name in self._order(inner):
            for source in self.graph.nodes[name].inputs:
                if source not in inner and source not in found:
                    found.append(source)
        return found

    def _order(self, names: set) -> list:
        return [node.name for node in self.topo if node.name in names]

    # -- writing -----------------------------------------------------------------------------------------

    def write(self) -> Export:
        self.topo = self.graph.topological_order()
        self._scopes()
        name = self._class(self.top, top=True)
        head = ["import torch", "import torch.nn.functional as F", "from torch import nn"]
        used = [h for name, h in self.helpers.items() if name != TIE.name] + \
            ([TIE] if TIE.name in self.helpers else [])
        if any(helper.math for helper in used):
            head.insert(0, "import math")
        title = self.spec.name or "network"
        parts = [f'"""{title}: PyTorch code written by `cnncalc export` for input {list(self.spec.input_shape)} '
                 f'(batch first).\n\nforward(x, trace) fills the dict trace, when given, with every layer\'s output '
                 f'by its name in the spec."""', "\n".join(head)]
        parts += [helper.source.strip("\n") for helper in used]
        parts += self.classes
        return Export(text="\n\n\n".join(parts) + "\n", class_name=name, modules=self.modules)

    def _class(self, scope: _Scope, top: bool = False) -> str:
        inits: list = []
        lines: list = []
        variables: dict = {}
        taken = set(self.local_names)
        attrs: set = set(MODULE_NAMES)
        traced: list = []
        external = [] if top else self._external(scope)
        params = ["x"]
        variables[external[0] if external else "input"] = "x"
        for i, source in enumerate(external[1:], 1):
            params.append(f"y{i}")
            variables[source] = f"y{i}"
            taken.add(f"y{i}")
        if top:
            traced.append(("input", "x"))
        inner_nodes = self._all_nodes(scope)
        child_of = {}
        for child in scope.children:
            for n in self._all_nodes(child):
                child_of[n] = child
        done_children: set = set()
        node_attr: dict = {}
        for name in self._order(inner_nodes):
            if top and name == "input":
                continue
            if name in child_of:
                child = child_of[name]
                if id(child) in done_children:
                    continue
                ext = self._external(child)
                if any(src not in variables for src in ext):
                    continue
                done_children.add(id(child))
                child.attr = identifier(scope.local(child.prefix) if scope.prefix else child.prefix, attrs)
                child.path = f"{scope.path}.{child.attr}" if scope.path else child.attr
                cls = self._class(child)
                inits.append(f"self.{child.attr} = {cls}()")
                var = identifier(scope.local(child.output), taken)
                args = ", ".join(variables[s] for s in ext)
                pre = f'prefix + "{scope.local(child.prefix)}."' if not top else f'"{child.prefix}."'
                lines.append(f"{var} = self.{child.attr}({args}, trace, {pre})")
                variables[child.output] = var
                continue
            node = self.graph.nodes[name]
            if name in variables:          # a part of a multi-output layer, written with its first part
                continue
            self._node(scope, node, variables, taken, attrs, inits, lines, node_attr, traced, top)
        out = variables[scope.output]
        if top:
            signature = "def forward(self, x, trace=None):"
        else:
            signature = f"def forward(self, {', '.join(params)}, trace=None, prefix=\"\"):"
        body = ["    def __init__(self):", "        super().__init__()"]
        body += [f"        {line}" for line in inits] or []
        body += ["", f"    {signature}"] + [f"        {line}" for line in lines]
        if traced:
            lead = "" if top else "prefix + "
            body += ["        if trace is not None:", "            trace.update({"]
            body += [f'                {lead}"{local}": {var},' for local, var in traced]
            body += ["            })"]
        body += [f"        return {out}"]
        if top:
            for path, owner in self.ties:
                body.insert(2 + len(inits), f"        tie(self.{path}, self.{owner})")
        text = "\n".join(body)
        if top:
            name = identifier(camel(self.spec.name or "net"), self.class_names)
            doc = f'    """{self.spec.name or "the network"} (cnncalc spec), input {list(self.spec.input_shape)}."""'
        else:
            if (scope.block, text) in self.bodies:
                return self.bodies[(scope.block, text)]
            name = identifier(camel(scope.block), self.class_names) if camel(scope.block) not in self.class_names \
                else identifier(self._numbered(camel(scope.block)), self.class_names)
            self.bodies[(scope.block, text)] = name
            doc = f'    """Block \'{scope.block}\'."""'
        self.classes.append(f"class {name}(nn.Module):\n{doc}\n\n{text}")
        return name

    def _numbered(self, base: str) -> str:
        i = 2
        while f"{base}_{i}" in self.class_names:
            i += 1
        return f"{base}_{i}"

    def _node(self, scope, node, variables, taken, attrs, inits, lines, node_attr, traced, top) -> None:
        layer = node.layer
        cls = type(layer)
        shapes = [self.shapes[s] for s in node.inputs]
        writer = self.writers[cls]
        if writer is None:
            where = companion_module(cls, "pytorch")
            raise SpecError(f"{cls.type_name} has no PyTorch form in `cnncalc export`: no writer registered for it"
                            + (f" in {where}" if where else "") + " (docs/adding-a-layer.md)", node.location,
                            node.name)
        # a multi-output layer (split): all its parts at once, its expression the tuple of them
        outputs = self._parts(node) if cls.multi_output else [node]
        out = tuple(self.shapes[part.name] for part in outputs) if cls.multi_output else self.shapes[node.name]
        try:
            code: Code = writer(layer, shapes, out)
        except Refused as err:
            raise SpecError(f"cannot export {cls.type_name} to PyTorch: {err}", node.location, node.name) from None
        except SpecError:
            raise
        for name in code.helpers:
            if name not in writer.helpers:
                raise RuntimeError(f"the PyTorch writer of {cls.type_name} uses the helper '{name}', which it does "
                                   f"not declare (writes(..., helpers=...))")
            self.helpers.setdefault(name, writer.helpers[name])
        local = scope.local(node.name)
        owner = node.shares
        attr = None
        if (code.modules or code.parameter) and owner and owner in node_attr:
            attr = node_attr[owner]                    # share: the same module, called again
        elif code.modules or code.parameter:
            attr = identifier(local, attrs)
            for suffix, ctor in code.modules:
                inits.append(f"self.{attr}{suffix} = {ctor}")
                if not node.trainable:
                    inits.append(f"self.{attr}{suffix}.requires_grad_(False)")
            if code.parameter:
                suffix, ctor = code.parameter
                grad = "" if node.trainable else ", requires_grad=False"
                inits.append(f"self.{attr}{suffix} = nn.Parameter({ctor}{grad})")
            if owner and owner in self.modules:        # shares a layer of another class: tie the tensors
                self.helpers.setdefault(TIE.name, TIE)
                for (suffix, _), path in zip(code.modules, self.modules[owner]):
                    self.ties.append((self._path(scope, attr + suffix), path))
            node_attr[node.name] = attr
        fields = {"m": f"self.{attr}"} if attr else {}
        for suffix, _ in code.modules[1:]:
            fields["m" + suffix] = f"self.{attr}{suffix}"
        if code.modules:
            fields["m" + code.modules[0][0]] = f"self.{attr}{code.modules[0][0]}"
        expr = code.expr or ("{m}({0})" if code.modules else "{0}")
        expr = expr.format(*(variables[s] for s in node.inputs), **fields)
        names = []
        for part in outputs:
            part_local = scope.local(part.name)
            var = identifier(part_local, taken)
            variables[part.name] = var
            traced.append((part_local, var))
            names.append(var)
        lines.append(f"{', '.join(names)}{',' if cls.multi_output and len(names) == 1 else ''} = {expr}")
        if attr:
            parts = [suffix for suffix, _ in code.modules] or [code.parameter[0]]
            self.modules[node.name] = tuple(self._path(scope, attr + suffix) for suffix in parts)

    def _path(self, scope, attr: str) -> str:
        return f"{scope.path}.{attr}" if scope.path else attr

    def _parts(self, node) -> list:
        """The nodes of one multi-output entry: its layer class, its inputs and its name but the last part
        (NAME.0, NAME.1, …), in the order the entry made them."""
        base = node.name.rsplit(".", 1)[0]
        return [n for n in self.graph.nodes.values() if type(n.layer) is type(node.layer) and n.inputs == node.inputs
                and n.name.rsplit(".", 1)[0] == base]
