"""The walk that turns a loaded ONNX graph into spec entries: each node to its operator's handler
(:mod:`cnncalc.onnximport.mapping`), the entries they emit named from the graph, the unmapped nodes collected.

Every activation tensor of the graph is held by one cnncalc node, with its layout: ``perm[i]`` is the axis
of the node's (channels-first, batch-first) shape that the tensor's axis ``i`` is. A Transpose only changes
the layout (no layer); operators that work along one axis (LayerNormalization, MatMul over the last axis,
Softmax, Concat, Split, element-wise ones) follow it, every other operator needs the channels-first layout.

An operator that cannot be mapped is collected (type, node names) and the whole model refused with the list:
no figure of it is ever counted as zero (docs/onnx.md, "What is refused"). Weights that disagree with an
operator's attributes are an error naming the node.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Optional

from cnncalc.errors import Location, SpecError
from cnncalc.onnximport.mapping import Unmapped, handler_for

if TYPE_CHECKING:
    from cnncalc.layers.base import Layer

DEFAULT_DOMAINS = ("", "ai.onnx")


class Act:
    """An activation tensor: the cnncalc node that holds it and its layout (see the module docstring)."""
    __slots__ = ("node", "perm")

    def __init__(self, node: str, perm: tuple):
        self.node, self.perm = node, perm


def identity(rank: int) -> tuple:
    """The channels-first layout of a tensor of ``rank`` axes."""
    return tuple(range(rank))


def operator(node) -> str:
    """The operator's name as handlers are registered and the refusal lists it ('Conv', 'com.example.Op')."""
    return node.op_type if node.domain in DEFAULT_DOMAINS else f"{node.domain}.{node.op_type}"


class Translator:
    """The state of one translation, and what a handler uses: read a node's inputs (:meth:`act`,
    :meth:`const`, :meth:`shape`, :meth:`only_reader`), write entries (:meth:`emit`, :meth:`alias`), take a
    pattern's other nodes (:meth:`absorb`), and report a node's weights that disagree with it (:meth:`fail`)."""

    def __init__(self, model):
        self.model = model
        self.acts: dict = {model.input: Act("input", identity(len(model.input_shape) + 1))}
        self.entries: list = []
        self.used: set = {"input"}
        self.last_part: dict = {}       # entry with parts (split) → the name of its last part
        self.unmapped: dict = {}        # op type → [(node name, reason)]
        self.unknown: set = set()       # tensors of unknown shape after an unmapped node (readers not reported)
        self.absorbed: set = set()      # nodes taken into a pattern (x·sigmoid(x), MatMul + bias)
        self.consumers: dict = {}
        self.producers: dict = {}       # tensor → the node that writes it
        for node in model.nodes:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
            for name in node.output:
                self.producers[name] = node
        self.names = _names(model.nodes)
        self.peeked: dict = {}          # a weight's values read on demand (cnncalc.onnximport.peek), by name

    # -- reading a node's inputs -----------------------------------------------------------------------
    def fail(self, node, message: str) -> SpecError:
        return SpecError(f"node '{node.name or node.output[0]}' ({node.op_type}): {message}",
                         Location(self.model.path))

    def act(self, node, i: int = 0, any_layout: bool = False) -> Act:
        name = node.input[i]
        if name not in self.acts:
            raise Unmapped(f"input {i} ('{name}') must be an activation of the network")
        act = self.acts[name]
        if not any_layout and act.perm != identity(len(act.perm)):
            raise Unmapped(f"its input is in a transposed layout (axes {list(act.perm)}) that this operator "
                           f"cannot follow")
        return act

    def const(self, node, i: int, what: str = "weights"):
        """Input i as a numpy array; None when the optional input is absent."""
        if i >= len(node.input) or not node.input[i]:
            return None
        if node.input[i] not in self.model.consts:
            raise Unmapped(f"its {what} (input {i}, '{node.input[i]}') are not constant (an initializer)")
        return self.model.consts[node.input[i]]

    def shape(self, tensor: str) -> tuple:
        if tensor not in self.model.shapes:
            raise Unmapped(f"the shape of '{tensor}' cannot be inferred")
        return self.model.shapes[tensor]

    def only_reader(self, tensor: str):
        """The one node reading ``tensor``, unless more read it or it is the graph's output."""
        readers = self.consumers.get(tensor, [])
        return readers[0] if len(readers) == 1 and tensor != self.model.output else None

    # -- writing entries -------------------------------------------------------------------------------
    def emit(self, node, cls: "type[Layer]", args: dict, inputs: list, perm: Optional[tuple] = None,
             name: Optional[str] = None, outputs: Optional[list] = None, parts: Optional[list] = None) -> str:
        """One entry of layer class ``cls`` named after ``node`` (or ``name``), reading ``inputs``; its output
        holds the tensors ``outputs`` (default: the node's first output) in layout ``perm`` (default:
        channels-first). A layer of several outputs (``expand``: split) gives the tensors of its ``parts``
        instead, part i being ``NAME.i``. Returns the entry's name."""
        name = self._unique(name or self.names[id(node)])
        self.entries.append({"name": name, "inputs": [a.node for a in inputs], "type": cls.type_name, "args": args})
        if parts is None:
            holders = [(tensor, name) for tensor in (outputs or node.output[:1])]
        else:
            holders = [(tensor, f"{name}.{i}") for i, tensor in enumerate(parts)]
            self.last_part[name] = holders[-1][1]
        for tensor, holder in holders:
            self.acts[tensor] = Act(holder, perm if perm is not None else identity(len(self.shape(tensor))))
        return name

    def alias(self, node, act: Act, perm: Optional[tuple] = None) -> None:
        """The node is no layer: its output is ``act`` (in layout ``perm``, default ``act``'s)."""
        self.acts[node.output[0]] = Act(act.node, act.perm if perm is None else perm)

    def absorb(self, *nodes) -> None:
        """Nodes a pattern took into the entry it emits: the walk skips them."""
        self.absorbed.update(id(node) for node in nodes)

    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.used:
            n += 1
            candidate = f"{name}_{n}"
        self.used.add(candidate)
        return candidate

    # -- the walk --------------------------------------------------------------------------------------
    def run(self) -> dict:
        for node in self.model.nodes:
            if id(node) in self.absorbed:
                continue
            if any(name in self.unknown for name in node.input):
                self.unknown.update(node.output)
                continue
            op = operator(node)
            handler = handler_for(op)
            try:
                if handler is None:
                    raise Unmapped("cnncalc has no mapping for this operator")
                handler(self, node)
            except Unmapped as why:
                self.unmapped.setdefault(op, []).append((node.name or node.output[0], str(why)))
                # the nodes after it are still mapped (so that every unmapped one is listed), from a stand-in
                for tensor in node.output:
                    if tensor in self.model.shapes:
                        self.acts[tensor] = Act("<unmapped>", identity(len(self.model.shapes[tensor])))
                    else:
                        self.unknown.add(tensor)
        if self.unmapped:
            raise UnmappedError(self.unmapped, self.model.path)
        if self.model.output not in self.acts:
            raise SpecError(f"the graph's output '{self.model.output}' is a constant: the model does not "
                            f"depend on its input", Location(self.model.path))
        return self.document()

    def document(self) -> dict:
        output = self.acts[self.model.output].node
        layers, previous = [], "input"
        for entry in self.entries:
            item: dict = {"name": entry["name"]}
            sources = entry["inputs"]
            if sources != [previous]:
                item["from"] = sources[0] if len(sources) == 1 else sources
            item[entry["type"]] = entry["args"]
            layers.append(item)
            previous = entry["name"]
        # the last entry is the spec's output (NAME of an entry with parts meaning its last part)
        if output not in (previous, self.last_part.get(previous)):
            layers.append({"name": self._unique("output"), "from": output, "identity": {}})
        stem = os.path.splitext(os.path.basename(self.model.path))[0] or "network"
        return {"name": stem,
                "description": f"Imported from {os.path.basename(self.model.path)} (ONNX opset {self.model.opset}) "
                               f"by `cnncalc import`.",
                "input": list(self.model.input_shape), "layers": layers}


class UnmappedError(SpecError):
    """Operators of the model that cnncalc cannot map: ``unmapped`` maps each operator type to its
    (node name, reason) pairs. The model is refused (exit 2): no figure of it would be honest."""

    def __init__(self, unmapped: dict, path: str):
        parts = []
        for op, where in sorted(unmapped.items()):
            names = [name for name, _ in where]
            shown = ", ".join(f"'{n}'" for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            parts.append(f"{op} ×{len(names)} ({where[0][1]}): {shown}")
        total = sum(len(v) for v in unmapped.values())
        super().__init__(f"{total} node{'s' if total != 1 else ''} cnncalc cannot map, so the model is not "
                         f"analysed (no figure of theirs may count as zero): " + "; ".join(parts),
                         Location(path))
        self.unmapped = unmapped


def _names(nodes) -> dict:
    """A spec name for every node, from its graph name: torch's '/layer1/layer1.0/conv1/Conv' is
    'layer1.0.conv1' (its module's path) when it is the only node of a leaf module, else 'layer1.0.conv1.Conv'."""
    paths: dict = {}
    for node in nodes:
        raw = node.name or (node.output[0] if node.output else node.op_type)
        split = [p for p in raw.strip("/").split("/") if p] or [node.op_type]
        split = [p for i, p in enumerate(split) if not (i + 1 < len(split) and split[i + 1].startswith(p + "."))]
        paths[id(node)] = tuple(re.sub(r"[^A-Za-z0-9_.:\-]", "_", p) for p in split)
    counts: dict = {}
    prefixes: set = set()
    for parts in paths.values():
        module = parts[:-1]
        counts[module] = counts.get(module, 0) + 1
        for j in range(1, len(module)):
            prefixes.add(module[:j])
    names = {}
    for key, parts in paths.items():
        module = parts[:-1]
        chosen = module if module and counts[module] == 1 and module not in prefixes else parts
        name = ".".join(chosen)
        names[key] = name + "_" if name in ("input",) else name
    return names


def translate(model) -> dict:
    """The spec document (a dict) of a loaded, folded :class:`cnncalc.onnximport.graph.Model`."""
    return Translator(model).run()
