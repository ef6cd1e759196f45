"""A spec → readable PyTorch source (docs/export.md). Returns text; never imports torch.

One nn.Module class per block definition: every instance of a block is first written with its values
resolved, then the instances that build the same modules in the same way share one class whose constructor
takes, as arguments, the numbers that differ between them (channels, stride, …; a number that is a fixed
multiple of another argument is written as that multiple). Instances that differ in what they build (a
shortcut that is there in one call and `[]` in another) get a class each. A chain of instances of one class
named ``NAME.0``, ``NAME.1``, … (a ``repeat``) is one ``nn.Sequential``. The network's own class comes
last and builds with no arguments.

forward() follows the graph with one local variable per layer; it records nothing. ``Export.variables``
says which local variable of which class holds which layer, and ``Export.prefixes`` which block instance
sits at which attribute path: :func:`cnncalc.export.tracing.trace_outputs` reads every layer's output from
them while the network runs (the figures checks), with nothing in the file.
"""

from __future__ import annotations

import ast
import keyword
import re
from typing import Optional

from cnncalc.errors import SpecError
from cnncalc.export.code import DEFAULT, Code, Helper, Refused, writer_for
from cnncalc.layers import companion_module
from cnncalc.record import fields, record

# nn.Module's own attributes (a layer named 'eval' or 'training' gets a trailing '_'), and forward's names
MODULE_NAMES = frozenset("""T_destination add_module apply bfloat16 buffers call_super_init children compile cpu
cuda double dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half
ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters
register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook
register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook
register_module register_parameter register_state_dict_post_hook register_state_dict_pre_hook requires_grad_
set_extra_state set_submodule share_memory state_dict to to_empty train type xpu zero_grad training""".split())
# forward's own names and the imports (and the names the helpers a network's writers declare define)
LOCAL_NAMES = frozenset({"x", "self", "torch", "nn", "F", "math", "float", "int", "list", "range", "len",
                         "super", "_"})

TIE = Helper("tie", """
def tie(module, owner):
    \"\"\"share: module uses owner's parameters and buffers, the very tensors (counted once).\"\"\"
    for mine, theirs in zip(module.modules(), owner.modules()):
        for name, tensor in [*theirs.named_parameters(recurse=False), *theirs.named_buffers(recurse=False)]:
            setattr(mine, name, tensor)
""")

FIXED = Helper("fixed_size", """
def fixed_size(x, size: list[int], reason: str):
    \"\"\"The one input size the network was written for: a layer's code holds a size of it (reason).\"\"\"
    if list(x.shape[1:]) != size:
        raise ValueError("input " + str(list(x.shape[1:])) + ", but this network was exported for input "
                         + str(size) + " (" + reason + "): export the spec again at the size needed")
""")

NAMED = Helper("named_sequential", """
def named_sequential(*members):
    \"\"\"nn.Sequential of (name, module) pairs: members named as the spec names them (torchvision's block1-0).\"\"\"
    sequence = nn.Sequential()
    for name, module in members:
        sequence.add_module(name, module)
    return sequence
""")

# the name of a constructor's positional arguments, by the module's name less its 1d/2d/3d
POSITIONAL = {"Conv": ("in_channels", "out_channels", "kernel_size"),
              "ConvTranspose": ("in_channels", "out_channels", "kernel_size"),
              "BatchNorm": ("num_features",), "InstanceNorm": ("num_features",), "Linear": ("in_features",
              "out_features"), "LayerNorm": ("normalized_shape",), "GroupNorm": ("num_groups", "num_channels"),
              "PReLU": ("num_parameters",), "Dropout": ("p",), "MaxPool": ("kernel_size",),
              "AvgPool": ("kernel_size",), "AdaptiveAvgPool": ("output_size",), "AdaptiveMaxPool": ("output_size",),
              "range": ("repeats",), "split": ("tensor", "split_sizes")}
PLACEHOLDER = "__v"
CHILD = "__block"


@record
class Export:
    text: str                 # the Python source
    class_name: str           # the network's class
    modules: dict             # node name → attribute paths (modules, or the nn.Parameter of a scale) it runs
    variables: dict           # class name → {forward's local variable: the layer's name inside the instance}
    prefixes: dict            # attribute path of a block instance ('' the network) → its layers' name prefix
    classes: dict             # attribute path of a block instance ('' the network) → its class
    hooked: dict = {}         # a layer inside an nn.Sequential → its module's path: a forward hook reads it


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


def export_pytorch(spec) -> Export:
    from cnncalc.analysis import analyze
    report = analyze(spec)
    return _Writer(spec, {row.name: row.output_shape for row in report.rows}).write()


# -- values: the numbers of one written instance, lifted out so instances of a block can be compared ----------

def _numeric(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _numeric(node.operand)
    if isinstance(node, (ast.Tuple, ast.List)):
        return bool(node.elts) and all(_numeric(e) for e in node.elts)
    return False


class _Lift(ast.NodeTransformer):
    """Replaces each number (or tuple of numbers, or a boolean keyword of a constructor) by a placeholder
    ``__vK``; ``values`` the source of each, ``default`` whether it is torch's default for its keyword
    (``DEFAULT(v)`` in a writer's constructor), ``hints`` (module name, argument) for naming it."""

    def __init__(self):
        self.values: list = []
        self.default: list = []
        self.hints: list = []
        self.forward: list = []
        self.in_forward = False
        self.attr = ""                   # the attribute whose constructor is being read

    def _take(self, node, default=False, hint=("", "", "")) -> ast.expr:
        self.values.append(ast.unparse(node))
        self.default.append(default)
        self.hints.append(hint)
        self.forward.append(self.in_forward)
        return ast.Name(id=f"{PLACEHOLDER}{len(self.values) - 1}", ctx=ast.Load())

    def _arg(self, node, hint, allow_bool: bool):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == DEFAULT:
            return self._take(node.args[0], True, hint)
        if _numeric(node) or (allow_bool and isinstance(node, ast.Constant) and isinstance(node.value, bool)):
            return self._take(node, False, hint)
        return self.visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef):
        self.in_forward = node.name == "forward"
        self.attr = ""                   # forward's values belong to no attribute's constructor
        if not self.in_forward:          # __init__: the values of the attributes' constructors only
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Attribute):
                    self.attr = stmt.targets[0].attr
                    stmt.value = self.visit(stmt.value)
            return node
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call):
        func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        node.func = self.visit(node.func)
        child = func.startswith(CHILD)         # a block's constructor: every value of the instance
        node.args = [self._arg(a, (func, i, self.attr), child) for i, a in enumerate(node.args)]
        for kw in node.keywords:
            kw.value = self._arg(kw.value, (func, kw.arg, self.attr), not self.in_forward)
        return node

    def generic_visit(self, node):
        if isinstance(node, ast.expr) and _numeric(node) and not isinstance(node, ast.Constant):
            return self._take(node)
        if isinstance(node, ast.Constant) and _numeric(node):
            return self._take(node)
        return super().generic_visit(node)


class _Group:
    """The instances of one block written alike (the same source once their numbers are lifted out)."""

    def __init__(self, block: str, tree: ast.Module, lift: _Lift, variables: dict, layers: Optional[dict] = None):
        self.block, self.tree, self.lift, self.variables = block, tree, lift, variables
        self.layers: dict = layers or {}  # attribute → the layer record it writes (its arguments' names)
        self.instances: list = []        # each instance's values
        self.arguments: list = []        # each instance's block arguments as the spec declares them
        self.name = ""
        self.signature: list = []        # (parameter name, the first placeholder that holds it)
        self.rendered: dict = {}         # placeholder index → source in __init__ (None: a dropped keyword)
        self.stored: set = set()         # parameters forward reads (self.NAME)
        self.children: dict = {}         # CHILDn → the child's group


def _same(value, text: str) -> bool:
    """Whether a spec's value (a block's or a layer's argument) is the number, boolean or list written as
    ``text`` in the file."""
    try:
        written = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False
    if isinstance(value, bool) or isinstance(written, bool):
        return value is written
    if isinstance(value, (list, tuple)) and isinstance(written, (list, tuple)):
        return len(value) == len(written) and all(_same(v, repr(w)) for v, w in zip(value, written))
    return isinstance(value, (int, float)) and isinstance(written, (int, float)) and value == written


def _declared(group: "_Group", vector: tuple, taken: set) -> str:
    """The block's own argument (``$stride``) whose value in every instance is the one in ``vector``, the name
    its constructor argument then takes; '' when none is."""
    if not group.arguments:
        return ""
    for name in group.arguments[0]:
        if name.isidentifier() and not keyword.iskeyword(name) and name not in taken and \
                all(_same(arguments.get(name), text) for arguments, text in zip(group.arguments, vector)):
            taken.add(name)
            return name
    return ""


DROP = ast.Constant(None)           # a keyword left out: the value is torch's default in every instance


def _channels(name: str) -> bool:
    """A parameter counting channels (the only ones written as a multiple of another)."""
    return bool(re.search(r"(channels|features)\d*$", name))


def _multiple(vector: tuple, params: dict) -> Optional[str]:
    """``NAME * k`` or ``NAME // k`` when every instance's value is that multiple of parameter NAME's."""
    try:
        values = [int(v) for v in vector]
    except ValueError:
        return None
    for other, name in params.items():
        try:
            base = [int(v) for v in other]
        except ValueError:
            continue
        if all(b > 0 for b in base) and all(v % b == 0 for v, b in zip(values, base)):
            ratios = {v // b for v, b in zip(values, base)}
            if len(ratios) == 1 and (k := ratios.pop()) >= 2:
                return f"{name} * {k}"
        if all(v > 0 for v in values) and all(b % v == 0 for v, b in zip(values, base)):
            ratios = {b // v for v, b in zip(values, base)}
            if len(ratios) == 1 and (k := ratios.pop()) >= 2:
                return f"{name} // {k}"
    return None


WIDTH = 116


def _call_lines(node: ast.expr, indent: int, lead: int = 0) -> str:
    """``node`` as source at ``indent``, after ``lead`` characters on its first line: a call too long for one
    line with one argument a line."""
    text = ast.unparse(node)
    if indent + lead + len(text) <= WIDTH or not isinstance(node, ast.Call):
        return text
    inner = " " * (indent + 4)
    parts = [inner + _call_lines(arg, indent + 4) for arg in node.args]
    parts += [inner + f"{kw.arg}=" + _call_lines(kw.value, indent + 4 + len(kw.arg or "") + 1)
              if kw.arg else inner + "**" + ast.unparse(kw.value) for kw in node.keywords]
    return ast.unparse(node.func) + "(\n" + ",\n".join(parts) + ",\n" + " " * indent + ")"


def _folded(line: str) -> str:
    """A line of __init__, ``self.x = Call(...)`` or its ``def``, folded one argument a line where it is too
    long."""
    if len(line) > WIDTH and line.startswith("    def __init__(self, "):
        names = line[len("    def __init__(self, "):-len("):")].split(", ")
        return "    def __init__(\n" + "".join(f"        {name},\n" for name in ["self", *names]) + "    ):"
    if len(line) <= WIDTH or not line.startswith("        self."):
        return line
    stmt = ast.parse(line.strip()).body[0]
    if not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Call):
        return line
    target = ast.unparse(stmt.targets[0]) + " = "
    return "        " + target + _call_lines(stmt.value, 8, len(target))


def _one_run(node: ast.Call) -> ast.Call:
    """``nn.Sequential(A, *[A for _ in range(k)])`` with the first block as the rest and k a number:
    ``nn.Sequential(*[A for _ in range(k + 1)])``; ``nn.Sequential(A, *[B for _ in range(1)])``:
    ``nn.Sequential(A, B)``."""
    if ast.unparse(node.func) != "nn.Sequential" or len(node.args) != 2 or \
            not isinstance(node.args[1], ast.Starred) or not isinstance(node.args[1].value, ast.ListComp):
        return node
    comp = node.args[1].value
    loop = comp.generators[0].iter                 # range(k)
    count = loop.args[0] if isinstance(loop, ast.Call) else None
    if not isinstance(count, ast.Constant) or not isinstance(count.value, int):
        return node
    if ast.unparse(node.args[0]) == ast.unparse(comp.elt):
        count.value += 1
        node.args = [node.args[1]]
    elif count.value == 1:
        node.args = [node.args[0], comp.elt]
    return node


class _Scope:
    """The top-level network or one block instance: its own nodes and the instances directly inside."""

    def __init__(self, prefix: str, block: str, origin: str, output: str, arguments: Optional[dict] = None):
        self.prefix, self.block, self.origin, self.output = prefix, block, origin, output
        self.arguments: dict = arguments or {}   # the block's arguments in this call ($out, $stride, …)
        self.members: list = []         # node names and child _Scopes, in order
        self.node_names: set = set()
        self.children: list = []
        self.attr = ""                  # its attribute in the parent
        self.path = ""                  # its attribute path from the network

    def local(self, name: str) -> str:
        return name[len(self.prefix) + 1:] if self.prefix else name


class _Writer:
    """Scope finding (below) and writing (the second part of the class)."""

    def __init__(self, spec, shapes: dict):
        self.spec, self.graph, self.shapes = spec, spec.graph, shapes
        self.groups: dict = {}           # (block, source with placeholders) → _Group, in order of creation
        # every layer class's writer (None: it has none), and the helpers they declare
        self.writers = {cls: writer_for(cls) for cls in {type(node.layer) for node in self.graph.nodes.values()}}
        self.declared: dict = {TIE.name: TIE, NAMED.name: NAMED, FIXED.name: FIXED}
        for writer in filter(None, self.writers.values()):
            for helper in writer.helpers.values():
                if self.declared.setdefault(helper.name, helper) != helper:
                    raise RuntimeError(f"two PyTorch writers declare different helpers named '{helper.name}'")
        self.helpers: dict = {}          # the helpers used, in the order of first use
        reserved = {name for helper in self.declared.values() for name in helper.defines()}
        self.class_names: set = set(reserved) | {"tie"}
        self.local_names = LOCAL_NAMES | reserved
        self.modules: dict = {}
        self.prefixes: dict = {"": ""}
        self.instance_groups: dict = {}  # attribute path of a block instance → its _Group
        self.hooked: dict = {}           # layer in an nn.Sequential → its module's path (traced by a hook)
        self.member_names: dict = {}     # a member of a named chain (layer name or id of its scope) → its name
        self.ties: list = []             # (path of a module, path of its owner) across classes
        self.fixed: list = []            # (layer, what in its code fixes the input size)
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
        top_source, variables, _ = self._source(self.top, top=True)
        for group in self.groups.values():
            self._settle(group)
        classes = [self._render(group) for group in self.groups.values()]
        name = identifier(camel(self.spec.name or "net"), self.class_names)
        lift = _Lift()
        top = _Group("", lift.visit(ast.parse(top_source)), lift, variables)
        top.instances.append(lift.values)        # one instance: every value as written
        self._settle(top)
        top.name = name
        classes.append(self._render(top))
        head = ["import torch", "import torch.nn.functional as F", "from torch import nn"]
        used = [h for hname, h in self.helpers.items() if hname not in (TIE.name, NAMED.name, FIXED.name)] + \
            [h for h in (TIE, NAMED, FIXED) if h.name in self.helpers]
        if any(helper.math for helper in used):
            head.insert(0, "import math")
        title = self.spec.name or "network"
        parts = [f'"""{title}: PyTorch code written by `cnncalc export` for input {list(self.spec.input_shape)} '
                 f'(batch first)."""', "\n".join(head)]
        parts += [helper.source.strip("\n") for helper in used]
        parts += classes
        all_vars = {group.name: group.variables for group in self.groups.values()}
        all_vars[name] = variables
        classes_of = {path: group.name for path, group in self.instance_groups.items()}
        classes_of[""] = name
        return Export(text="\n\n\n".join(parts) + "\n", class_name=name, modules=self.modules,
                      variables=all_vars, prefixes=self.prefixes, classes=classes_of, hooked=self.hooked)

    def _source(self, scope: _Scope, top: bool = False) -> tuple:
        """The class of one scope, its numbers as written: (source, {local variable: layer's local name},
        {attribute: the layer record it writes})."""
        inits: list = []
        lines: list = []
        variables: dict = {}
        names: dict = {}                 # forward's local variable → the layer's local name
        taken = set(self.local_names)
        attrs: set = set(MODULE_NAMES)
        external = [] if top else self._external(scope)
        params = ["x"]
        variables[external[0] if external else "input"] = "x"
        for i, source in enumerate(external[1:], 1):
            params.append(f"y{i}")
            variables[source] = f"y{i}"
            taken.add(f"y{i}")
        inner_nodes = self._all_nodes(scope)
        child_of = {}
        for child in scope.children:
            for n in self._all_nodes(child):
                child_of[n] = child
        runs = self._runs(scope)
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
                run = runs.get(id(child))
                if run is not None:
                    base, members = run
                    done_children.update(id(c) for c in members)
                    done_children.add(id(child))
                    attr = identifier(base, attrs)
                    ctor = self._sequence(members, self._path(scope, attr))
                    last = members[-1]
                    output = last if isinstance(last, str) else last.output
                else:
                    done_children.add(id(child))
                    attr = identifier(scope.local(child.prefix), attrs)
                    child.attr = attr
                    child.path = self._path(scope, attr)
                    ctor = self._child_call(child)
                    output = child.output
                inits.append(f"self.{attr} = {ctor}")
                var = identifier(attr, taken)
                lines.append(f"{var} = self.{attr}({', '.join(variables[s] for s in ext)})")
                variables[output] = var
                continue
            node = self.graph.nodes[name]
            if name in variables:          # a part of a multi-output layer, written with its first part
                continue
            self._node(scope, node, variables, taken, attrs, inits, lines, node_attr, names)
        out = variables[scope.output]
        if top and self.fixed:           # the network's forward first checks the input it gets
            self.helpers.setdefault(FIXED.name, FIXED)
            layer, reason = self.fixed[0]
            more = f" and {len(self.fixed) - 1} more" if len(self.fixed) > 1 else ""
            lines.insert(0, f"fixed_size(x, {list(self.spec.input_shape)}, {f'layer {layer} {reason}{more}'!r})")
        signature = "def forward(self, x):" if top else f"def forward(self, {', '.join(params)}):"
        body = ["    def __init__(self):", "        super().__init__()"]
        body += [f"        {line}" for line in inits]
        if top:
            body += [f"        tie(self.{path}, self.{owner})" for path, owner in self.ties]
        body += ["", f"    {signature}"] + [f"        {line}" for line in lines]
        body += [f"        return {out}"]
        layers = {attr: self.graph.nodes[name].layer for name, attr in node_attr.items()}
        return "class __self(nn.Module):\n" + "\n".join(body) + "\n", names, layers

    def _child_call(self, child: _Scope) -> str:
        """``__blockN(values…)``: the child's class (its group) and every value of the child, as written."""
        self.prefixes[child.path] = child.prefix
        source, variables, layers = self._source(child)
        lift = _Lift()
        tree = lift.visit(ast.parse(source))
        key = (child.block, ast.unparse(tree))
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(child.block, tree, lift, variables, layers)
        group.instances.append(lift.values)
        group.arguments.append(child.arguments)
        self.instance_groups[child.path] = group
        number = list(self.groups).index(key)
        return f"{CHILD}{number}(" + ", ".join(lift.values) + ")"

    def _runs(self, scope: _Scope) -> dict:
        """Chains of children named BASE.0, BASE.1, … (a repeat), each reading only the one before, its
        output read by nothing else: id(each child) → (BASE, the children in order). A child that is only
        such a chain of its own members 0, 1, … (block instances, or layers that are one module each: a
        stage of blocks, torchvision's conv + BN ``downsample``) is the chain itself: id(child) → (its name,
        its members, a layer by its name)."""
        by_base: dict = {}
        for child in scope.children:
            local = scope.local(child.prefix)
            base, _, index = local.rpartition(".")
            if base and index.isdigit():
                by_base.setdefault(base, {})[int(index)] = child
        runs: dict = {}
        for base, members in by_base.items():
            chain = self._chain(members)
            for child in chain:
                runs[id(child)] = (base, chain)
        for child in scope.children:
            chain = self._members(child)
            if chain:
                runs[id(child)] = (scope.local(child.prefix), chain)
        return runs

    def _members(self, child: _Scope) -> list:
        """The members of a block instance that is only a chain of members 0, 1, … (block instances, or
        layers of one module each), in order; else []."""
        inner: dict = {}
        repeats: dict = {}               # K of the members K.0, K.1, … (a repeat) → {index: member}
        for member in child.children:
            key = child.local(member.prefix)
            base, _, index = key.rpartition(".")
            if base.isdigit() and index.isdigit():
                repeats.setdefault(base, {})[int(index)] = member
            else:
                inner[key] = member
        for name in child.node_names:
            inner[child.local(name)] = name
        for base, copies in repeats.items():
            # a repeat is member K itself when its copies are a chain: an nn.Sequential nested at K
            run = self._chain(copies)
            if not run or base in inner:
                return []
            inner[base] = nested = _Scope(f"{child.prefix}.{base}", "", run[0].origin, run[-1].output)
            nested.children = run
        if inner and all(key.isdigit() for key in inner):
            # members named by increasing numbers; where numbers are skipped (torchvision's parameter-free
            # Permute at ConvNeXt's block.1), the members keep their names (named_sequential)
            ordered = sorted(inner.items(), key=lambda item: int(item[0]))
            chain = self._chain({i: member for i, (_, member) in enumerate(ordered)})
            if [key for key, _ in ordered] != [str(i) for i in range(len(ordered))]:
                self.member_names.update({id(m) if not isinstance(m, str) else m: key for key, m in ordered})
        elif inner and not any(key.isidentifier() or "." in key for key in inner):
            # names no attribute can take (torchvision's block1-0): a chain in the order the layers run
            first = {node.name: i for i, node in enumerate(self.topo)}
            def position(member) -> int:
                return first[member] if isinstance(member, str) else min(first[n] for n in self._all_nodes(member))
            ordered = sorted(inner.items(), key=lambda item: position(item[1]))
            chain = self._chain({i: member for i, (_, member) in enumerate(ordered)})
            self.member_names.update({id(m) if not isinstance(m, str) else m: key for key, m in ordered})
        else:
            return []
        if chain and self._origin(chain[0]) == child.origin and self._output(chain[-1]) == child.output and \
                all(isinstance(m, _Scope) or self._plain(m) for m in chain):
            return chain
        return []

    def _sequence(self, members: list, path: str) -> str:
        """``nn.Sequential(...)`` of a chain's members at attribute ``path``: a layer its module (its output
        read by a hook), a block instance that is itself such a chain nested, any other its class."""
        calls = []
        names = [self.member_names.get(m if isinstance(m, str) else id(m), str(i)) for i, m in enumerate(members)]
        for i, member in enumerate(members):
            here = f"{path}.{names[i]}"
            if isinstance(member, str):
                calls.append(self._plain(member))
                self.modules[member] = (here,)
                self.hooked[member] = here
                continue
            member.attr, member.path = str(i), here
            inner = self._members(member)
            calls.append(self._sequence(inner, here) if inner else self._child_call(member))
        if names != [str(i) for i in range(len(names))]:
            self.helpers.setdefault(NAMED.name, NAMED)
            return "named_sequential(" + ", ".join(f"({name!r}, {call})" for name, call in zip(names, calls)) + ")"
        if len(calls) > 1 and len(set(calls[1:])) == 1:     # the first, then the rest alike
            return f"nn.Sequential({calls[0]}, *[{calls[1]} for _ in range({len(calls) - 1})])"
        return "nn.Sequential(" + ", ".join(calls) + ")"

    def _origin(self, member) -> str:
        if isinstance(member, _Scope):
            return member.origin
        inputs = self.graph.nodes[member].inputs
        return inputs[0] if len(inputs) == 1 else ""

    def _output(self, member) -> str:
        return member if isinstance(member, str) else member.output

    def _plain(self, name: str) -> str:
        """The constructor of a layer that is one module called on its one input, trainable and unshared
        (it can stand in an nn.Sequential), else ''."""
        node = self.graph.nodes[name]
        writer = self.writers[type(node.layer)]
        if writer is None or node.shares or not node.trainable or type(node.layer).multi_output or \
                len(node.inputs) != 1:
            return ""
        try:
            code = writer(node.layer, [self.shapes[s] for s in node.inputs], self.shapes[name])
        except Refused:
            return ""
        if code.alone:                   # the module form of a layer written otherwise (channels moved last)
            ctor, helpers = code.alone
        elif len(code.modules) != 1 or code.modules[0][0] or code.parameter or code.expr not in ("", "{m}({0})"):
            return ""
        else:
            ctor, helpers = code.modules[0][1], code.helpers
        for helper in helpers:
            self.helpers.setdefault(helper, writer.helpers[helper])
        return ctor

    def _chain(self, members: dict) -> list:
        """The members (block instances or layers) numbered 0, 1, … in order when each reads only the one
        before and its output is read by nothing but the next; else []."""
        if not members or sorted(members) != list(range(len(members))):
            return []
        chain = [members[i] for i in range(len(members))]
        if not all(self._external(c) == [c.origin] for c in chain if isinstance(c, _Scope)):
            return []
        if not all(self._origin(b) == self._output(a) for a, b in zip(chain, chain[1:])):
            return []
        reader_of = {self._output(a): self._all_nodes(b) if isinstance(b, _Scope) else {b}
                     for a, b in zip(chain, chain[1:])}
        if any(source in reader_of and node.name not in reader_of[source]
               for node in self.graph.nodes.values() for source in node.inputs):
            return []
        return chain

    # -- one class per group: the values that differ become the constructor's arguments ----------------------

    def _settle(self, group: _Group) -> None:
        """Decide each placeholder of ``group``: a value all instances share (dropped when it is torch's
        default), a constructor argument, or a multiple of one."""
        lift = group.lift
        inside: dict = {}                # placeholder → whether a block's constructor below takes it
        for node in ast.walk(group.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith(CHILD):
                child = self.groups[list(self.groups)[int(node.func.id[len(CHILD):])]]
                wanted = {k for _, k in child.signature}
                for i, arg in enumerate(node.args):
                    if isinstance(arg, ast.Name) and arg.id.startswith(PLACEHOLDER):
                        inside[int(arg.id[len(PLACEHOLDER):])] = i in wanted
        taken = set(self.local_names) | {node.attr for node in ast.walk(group.tree)
                                         if isinstance(node, ast.Attribute)}
        params: dict = {}                # values (one per instance) → parameter name
        own = set(group.arguments[0]) if group.arguments else set()   # the block's declared arguments
        relations: dict = {}             # values → the multiple of a parameter they are
        for k in range(len(lift.values)):
            vector = tuple(values[k] for values in group.instances)
            if inside.get(k) is False:
                group.rendered[k] = ""
            elif len(set(vector)) == 1:
                group.rendered[k] = None if lift.default[k] else vector[0]
            elif vector in params:
                group.rendered[k] = params[vector]
            elif vector in relations and not lift.forward[k]:
                group.rendered[k] = relations[vector]
            else:
                declared = _declared(group, vector, taken)
                name = declared or self._parameter_name(lift.hints[k], taken, group, vector[0])
                relation = None if declared or lift.forward[k] or not _channels(name) else \
                    _multiple(vector, {v: n for v, n in params.items() if _channels(n) or n in own})
                if relation:
                    taken.discard(name)
                    group.rendered[k] = relations[vector] = relation
                    continue
                params[vector] = name
                group.signature.append((name, k))
                group.rendered[k] = name
            if lift.forward[k] and group.rendered[k] in params.values():
                group.stored.add(group.rendered[k])
        if group.block:
            base = camel(group.block)
            name = base if base not in self.class_names else base + "_2"
            i = 2
            while name in self.class_names:
                i += 1
                name = f"{base}_{i}"
            group.name = identifier(name, self.class_names)

    def _parameter_name(self, hint: tuple, taken: set, group: _Group, first) -> str:
        """A constructor argument's name from the module argument it sets (``first``: its value in the group's
        first instance): torch's keyword or positional name, a block's own parameter, else the argument of the
        spec's layer that has that value (StochasticDepth's p: the layer's ``rate``)."""
        func, arg, attr = hint
        if isinstance(arg, str):
            name = arg or "value"        # a bare number of the forward (x * 0.125): no keyword to name it
        elif func.startswith(CHILD):
            child = self.groups[list(self.groups)[int(func[len(CHILD):])]]
            name = next((n for n, k in child.signature if k == arg), "value")
        else:
            names = POSITIONAL.get(re.sub(r"\dd$", "", func), ())
            layer = group.layers.get(attr)
            spec_name = next((f.name for f in fields(layer) if _same(getattr(layer, f.name), first)), "") \
                if layer is not None else ""
            name = names[arg] if isinstance(arg, int) and arg < len(names) else spec_name or "size"
        ident = name if name not in taken or not attr else f"{attr}_{name}".lstrip("_")
        i = 2
        while ident in taken or keyword.iskeyword(ident):
            ident = f"{name}{i}"
            i += 1
        taken.add(ident)
        return ident

    def _render(self, group: _Group) -> str:
        groups = list(self.groups.values())

        class Fill(ast.NodeTransformer):
            def visit_Call(self, node: ast.Call):
                self.generic_visit(node)
                node.keywords = [kw for kw in node.keywords if kw.value is not DROP]
                if isinstance(node.func, ast.Name) and node.func.id.startswith(CHILD):
                    child = groups[int(node.func.id[len(CHILD):])]
                    node.func = ast.Name(id=child.name, ctx=ast.Load())
                    node.args = [node.args[k] for _, k in child.signature]
                return _one_run(node)

            def visit_Name(self, node: ast.Name):
                if not node.id.startswith(PLACEHOLDER):
                    return node
                k = int(node.id[len(PLACEHOLDER):])
                text = group.rendered[k]
                if text is None:
                    return DROP
                if text == "":
                    return node          # an argument a block's constructor does not take: removed above
                if k < len(group.lift.forward) and group.lift.forward[k] and text in group.stored:
                    text = f"self.{text}"
                return ast.parse(text, mode="eval").body

        tree = Fill().visit(ast.parse(ast.unparse(group.tree)))
        cls = tree.body[0]
        cls.name = group.name
        doc = f"Block '{group.block}'." if group.block else \
            f"{self.spec.name or 'the network'} (cnncalc spec), input {list(self.spec.input_shape)}."
        cls.body.insert(0, ast.Expr(ast.Constant(doc)))
        init = cls.body[1]
        for name, _ in group.signature:
            init.args.args.append(ast.arg(arg=name))
        for name in sorted(group.stored, key=[n for n, _ in group.signature].index, reverse=True):
            init.body.insert(1, ast.parse(f"self.{name} = {name}").body[0])
        text = "\n".join(_folded(line) for line in ast.unparse(ast.fix_missing_locations(tree)).split("\n"))
        return text.replace("\n\n    def forward", "\n    def forward").replace("\n    def forward",
                                                                                   "\n\n    def forward")

    def _node(self, scope, node, variables, taken, attrs, inits, lines, node_attr, local_of) -> None:
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
        if code.fixed:
            self.fixed.append((node.name, code.fixed))
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
            local_of[var] = part_local
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
