"""Layer types: each module of this package defines some, each type registered under its YAML name with
:func:`cnncalc.layers.base.register`. There is no list of them anywhere else (docs/adding-a-layer.md).

* **Built-in types**: every module of this package is found with :mod:`pkgutil` and imported on the first
  lookup, all at once: 3.5 ms for all of them, 2 ms more than importing only the six ResNet-50 uses
  (measured; docs/performance.md), the price of having no table of which module defines which type.
* **Third-party types**: a distribution declares modules in the entry-point group ``cnncalc.layers``
  (``[project.entry-points."cnncalc.layers"]`` in its pyproject.toml, ``name = "package.module"``); importing
  such a module registers its types. Reading the installed distributions' entry points costs milliseconds, so
  it happens only when a name is not a built-in type, and when every type is listed (``cnncalc layers``,
  the docs generator, :func:`registry`).
* **Companions**: what a capability needs to know about a type beyond counting (its numpy executor, its
  PyTorch writer, its ONNX mapping) lives in a *companion module*, imported only by the capability that
  needs it, so that ``cnncalc analyze`` never loads numpy, torch code or ONNX code. The companion of kind
  ``K`` of a type defined in ``PKG.layers.MODULE`` is ``PKG.K.MODULE`` (:func:`companion_module`); a class
  elsewhere names its companions in ``companions = {"K": "module.name"}``. The kinds are listed in
  :data:`COMPANION_KINDS`; docs/adding-a-layer.md shows a plug-in laid out this way.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType
from typing import Optional

from cnncalc.layers import base
from cnncalc.layers.base import Facts, Layer, register  # noqa: F401

ENTRY_POINT_GROUP = "cnncalc.layers"

# companion kind → what it holds (docs/adding-a-layer.md)
COMPANION_KINDS = {
    "execute": "the numpy executor (cnncalc verify)",
    "pytorch": "the PyTorch writer (cnncalc export --to pytorch)",
    "onnxmap": "the ONNX operator mappings (cnncalc analyze model.onnx, cnncalc import)",
    "onnxwrite": "the ONNX writer (cnncalc export --to onnx, cnncalc measure)",
}

_loaded = {"builtins": False, "plugins": False}


def _load_builtins() -> None:
    if _loaded["builtins"]:
        return
    _loaded["builtins"] = True
    for module in pkgutil.iter_modules(__path__):
        import_module(f"{__name__}.{module.name}")


def _load_plugins() -> None:
    """Import every module named in the ``cnncalc.layers`` entry-point group (once)."""
    _load_builtins()
    if _loaded["plugins"]:
        return
    _loaded["plugins"] = True
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            point.load()
        except Exception as err:   # a broken plug-in is named, whatever it raised
            raise RuntimeError(f"the layer plug-in '{point.name}' ({point.value}, entry-point group "
                               f"{ENTRY_POINT_GROUP}) failed to load: {type(err).__name__}: {err}") from err


def lookup(name: object, plugins: bool = True) -> Optional[type[Layer]]:
    """The layer class for a type name or alias, or None. Plug-ins are read only for a name that is not built
    in (``plugins=False``: not at all, e.g. to check that a block's name is not a built-in type's)."""
    if not isinstance(name, str):
        return None
    _load_builtins()
    cls = base.registered(name)
    if cls is None and plugins and not _loaded["plugins"]:
        _load_plugins()
        cls = base.registered(name)
    return cls


def registry(plugins: bool = True) -> dict[str, type[Layer]]:
    """{type name: class} for every layer type, built-in and plug-in (``plugins=False``: built-in, and any
    plug-in read already)."""
    _load_plugins() if plugins else _load_builtins()
    return base.REGISTRY


def type_names() -> list[str]:
    """Every type name and alias, built-in and plug-in."""
    _load_plugins()
    return sorted([*base.REGISTRY, *base.ALIASES])


def companion_module(cls: type, kind: str) -> str:
    """The module holding the companion of kind ``kind`` of layer class ``cls`` (see the module's
    documentation): its ``companions[kind]`` when given, else its module's name with the last ``layers``
    part replaced by ``kind``; "" for a class outside a ``layers`` package that names none."""
    if kind not in COMPANION_KINDS:
        raise ValueError(f"unknown companion kind '{kind}'; the kinds are {', '.join(COMPANION_KINDS)}")
    explicit = (getattr(cls, "companions", None) or {}).get(kind, "")
    if explicit:
        return explicit
    parts = cls.__module__.split(".")
    if "layers" not in parts:
        return ""
    index = len(parts) - 1 - parts[::-1].index("layers")
    return ".".join([*parts[:index], kind, *parts[index + 1:]])


def load_companion(cls: type, kind: str) -> Optional[ModuleType]:
    """The imported companion module of kind ``kind`` of ``cls``, or None when it does not exist. A module
    that exists but imports something missing is a bug, and raises."""
    module = companion_module(cls, kind)
    if not module:
        return None
    try:
        return import_module(module)
    except ModuleNotFoundError as err:
        if err.name is None or not module.startswith(err.name):
            raise
        return None


def __getattr__(name: str) -> object:
    if name == "REGISTRY":
        return registry()
    raise AttributeError(f"module 'cnncalc.layers' has no attribute '{name}'")
