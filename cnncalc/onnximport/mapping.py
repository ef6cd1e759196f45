"""What an ONNX operator mapping is, and where the importer finds them (docs/onnx.md, docs/adding-a-layer.md).

A **handler** is one function ``(t, node) -> None`` registered for one or more ONNX operators with
:func:`maps`. ``t`` is the :class:`cnncalc.onnximport.translate.Translator` walking the graph (it reads the
node's inputs, emits spec entries and keeps the layouts), ``node`` the onnx ``NodeProto``. A handler either
emits (``t.emit``), aliases its output to its input (``t.alias``, an operator that is no layer), or raises
:class:`Unmapped` with the reason the node cannot be counted; the whole model is then refused.

**Where a handler lives**: with the layer type it emits, in the ``onnxmap`` companion of the type's layer
module (:mod:`cnncalc.layers`: ``PKG/layers/M.py`` → ``PKG/onnxmap/M.py``, or the class's
``companions = {"onnxmap": ...}``). :func:`handler_for` imports the companions of every built-in layer type,
and, for an operator none of them maps, those of the plug-in types (entry-point group ``cnncalc.layers``), so
a plug-in distribution ships the mapping of its own type with no edit to cnncalc, and a model of built-in
operators never reads the installed distributions' entry points. Two handlers for one operator are an error
naming both. Multi-node patterns (x·sigmoid(x) → silu, MatMul + bias, ...) are in
:mod:`cnncalc.onnximport.patterns`, called by the handler of the pattern's first node.

The helpers here read a node's attributes (:func:`attrs`, :func:`float32`) into a spec's argument forms
(:func:`axes_value`, :func:`padding`), and the layer types' own defaults (:func:`default`, :func:`differing`),
so that an argument is written only when the model's value differs from the type's default: the defaults are
the layer classes', never copied here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from cnncalc import record as records
from cnncalc.errors import CnncalcError

if TYPE_CHECKING:
    from cnncalc.onnximport.translate import Translator

Handler = Callable[["Translator", Any], None]

# operator ('Conv'; 'domain.Op' outside the default domain) → its handler
HANDLERS: dict[str, Handler] = {}

_read = {"builtins": False, "plugins": False}
_tried: set = set()           # companion modules imported (or found absent) already


class Unmapped(Exception):
    """This node has no cnncalc counterpart; the message says why (the model is refused with it)."""


def _where(func: Handler) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def maps(*ops: str) -> Callable[[Handler], Handler]:
    """Decorator: ``func`` maps the ONNX operators ``ops`` (``"Conv"``; ``"com.example.Op"`` for an operator
    outside the default domain). A second handler for an operator is an error naming both."""
    def decorate(func: Handler) -> Handler:
        for op in ops:
            known = HANDLERS.get(op)
            if known is not None and known is not func:
                raise CnncalcError(f"two ONNX mappings of the operator {op}: {_where(known)} and {_where(func)}")
            HANDLERS[op] = func
        return func
    return decorate


def _load(plugins: bool) -> None:
    """Import the ``onnxmap`` companion of every layer type (built-in, and with ``plugins`` the plug-ins')."""
    from cnncalc.layers import companion_module, load_companion, registry

    for cls in list(registry(plugins).values()):
        module = companion_module(cls, "onnxmap")
        if module and module not in _tried:
            _tried.add(module)
            try:
                load_companion(cls, "onnxmap")
            except CnncalcError:
                raise
            except Exception as err:
                if module.startswith("cnncalc."):
                    raise               # cnncalc's own: a bug, reported as one
                raise CnncalcError(f"the ONNX mapping module '{module}' of the layer type '{cls.type_name}' "
                                   f"failed to load: {type(err).__name__}: {err}") from err


def handler_for(op: str) -> Optional[Handler]:
    """The handler of an operator, or None when no layer type's ONNX mapping has one."""
    if not _read["builtins"]:
        _read["builtins"] = True
        _load(plugins=False)
    if op not in HANDLERS and not _read["plugins"]:
        _read["plugins"] = True
        _load(plugins=True)
    return HANDLERS.get(op)


# ----------------------------------------------------------------------------- reading a node

def attrs(node) -> dict:
    """The node's attributes by name (strings decoded)."""
    from onnx import helper
    values = {}
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        values[attribute.name] = value.decode() if isinstance(value, bytes) else value
    return values


def float32(value) -> float:
    """A float32 attribute as the shortest decimal that is the same float32 (1e-05, not 9.99999974e-06)."""
    import numpy
    return float(str(numpy.float32(value)))


def axes_value(values):
    """One int when every axis has the same value (the spec's short form), else the list."""
    values = [int(v) for v in values]
    return values[0] if len(set(values)) == 1 else values


def padding(pairs) -> object:
    """The spec's padding form of (before, after) pairs: 0, an int, ints per axis, or pairs per axis."""
    if all(before == after for before, after in pairs):
        return axes_value([before for before, _ in pairs])
    return [[int(before), int(after)] for before, after in pairs]


# ----------------------------------------------------------------------------- the layer types' defaults

def default(cls: type, name: str) -> Any:
    """The default of argument ``name`` of layer class ``cls`` (KeyError for an argument without one)."""
    for f in records.fields(cls):
        if f.name == name:
            if f.default is records.MISSING:
                break
            return f.default
    raise KeyError(f"{cls.__name__} has no argument '{name}' with a default")


def differing(cls: type, **values: Any) -> dict:
    """The arguments among ``values`` whose value is not ``cls``'s default for it, in the order given."""
    return {name: value for name, value in values.items() if value != default(cls, name)}
