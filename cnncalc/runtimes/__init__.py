"""Runtime profiles: how a runtime deploys a network (what folds, what fuses, what runs in place, its scratch
buffers and memory planner), shipped as one YAML file each beside this module, as the device profiles are.
:mod:`cnncalc.deploy` turns a spec's analysed graph into the deployed one under a profile's rules; nothing
in the analysis asks which runtime.

A profile::

    name: fused
    title: Graph-optimised inference (TensorRT, ONNX Runtime)
    rules:                            # every rule: its value, what it means, and the source it follows
      fold: {value: true, what: ..., source: ...}
      fuse: {value: elementwise, what: ..., source: ...}      # elementwise | clamp | none
      residual: {value: true, what: ..., source: ...}
      in_place_depthwise: {value: false, what: ..., source: ...}
      refuses: {value: [], what: ..., source: ...}            # layer traits it cannot run
      scratch: {value: none, what: ..., source: ...}          # none | cmsis-nn | tinyengine
      patch_input: {value: resident, what: ..., source: ...}  # resident | streamed (--patches)
      alignment: {value: 1, what: ..., source: ...}           # an arena buffer's size rounded up to it
      planner: {value: liveness, what: ..., source: ...}

The rules name layer traits (``Layer.fuses``, ``Layer.takes_fold``, ``Layer.clamps``, ``Layer.channelwise``,
``Layer.weights_per_position``), never layer type names. ``eager`` is the default: no pass, today's figures.
"""

from __future__ import annotations

import os

from cnncalc.errors import SpecError, did_you_mean
from cnncalc.record import record

HERE = os.path.dirname(os.path.abspath(__file__))   # os.path, not pathlib: --runtime's choices are read at start-up
EAGER = "eager"
FUSE_WORDS = ("elementwise", "clamp", "none")
SCRATCH_WORDS = ("none", "cmsis-nn", "tinyengine")   # the kernel libraries of cnncalc/layers/scratch.py
# the layer traits a profile may refuse (class attributes of cnncalc.layers.base.Layer), each in words
REFUSABLE = {"weights_per_position": "its weights differ by output position, and the runtime has no such kernel"}
RULES = ("fold", "fuse", "residual", "in_place_depthwise", "refuses", "scratch", "patch_input", "alignment",
         "planner")
PATCH_INPUT_WORDS = ("resident", "streamed")
PATCH_INPUTS = ("runtime", *PATCH_INPUT_WORDS)       # --patch-input's words: runtime defers to the profile
SHIPPED = tuple(sorted(name[:-len(".yaml")] for name in os.listdir(HERE) if name.endswith(".yaml")))


@record
class Rule:
    value: object
    what: str
    source: str


@record
class Runtime:
    name: str
    title: str
    rules: dict               # rule name (RULES) → Rule
    source: str               # the file it was read from

    def value(self, rule: str):
        return self.rules[rule].value


@record
class RuntimeCatalogue:
    """Runtime profiles to show (`cnncalc runtimes`)."""
    profiles: tuple


def load(name: str) -> Runtime:
    """A shipped profile by name; an unknown name is an error listing the shipped ones."""
    if name not in SHIPPED:
        raise SpecError(f"unknown runtime '{name}'{did_you_mean(name, SHIPPED)}; shipped: {', '.join(SHIPPED)}")
    path = os.path.join(HERE, f"{name}.yaml")
    with open(path, "rb") as handle:
        return parse_runtime(handle.read(), path)


def parse_runtime(text, source: str = "<runtime>") -> Runtime:
    from cnncalc.devices import _keys, _loc
    from cnncalc.spec import yamlsource
    data = yamlsource.load(text, source)
    if not isinstance(data, yamlsource.LocDict):
        raise SpecError("a runtime profile is a mapping with name and rules", _loc(data, source))
    _keys(data, {"name", "title", "rules"}, {"name", "rules"}, "a runtime profile", source)
    name, title = data["name"], data.get("title", data["name"])
    if not isinstance(name, str) or not name or not isinstance(title, str):
        raise SpecError("'name' and 'title' must be non-empty text", data.where("name"))
    given = data["rules"]
    if not isinstance(given, yamlsource.LocDict):
        raise SpecError(f"'rules' must map {', '.join(RULES)} to rules", data.where("rules"))
    _keys(given, set(RULES), set(RULES), "'rules'", source)
    rules = {}
    for key in RULES:
        item = given[key]
        if not isinstance(item, yamlsource.LocDict):
            raise SpecError(f"'rules.{key}' must be a mapping with value, what and source", given.where(key))
        _keys(item, {"value", "what", "source"}, {"value", "what", "source"}, f"'rules.{key}'", source)
        for text_key in ("what", "source"):
            if not isinstance(item[text_key], str) or not item[text_key].strip():
                raise SpecError(f"'rules.{key}.{text_key}' must be a non-empty text", item.where(text_key))
        value = item["value"]
        if key in ("fold", "residual", "in_place_depthwise") and not isinstance(value, bool):
            raise SpecError(f"'rules.{key}.value' must be true or false", item.where("value"))
        if key == "fuse" and value not in FUSE_WORDS:
            raise SpecError(f"'rules.fuse.value' must be one of {', '.join(FUSE_WORDS)}", item.where("value"))
        if key == "refuses":
            if not isinstance(value, list) or not all(v in REFUSABLE for v in value):
                raise SpecError(f"'rules.refuses.value' must list layer traits among {', '.join(REFUSABLE)}",
                                item.where("value"))
            value = tuple(value)
        if key == "patch_input" and value not in PATCH_INPUT_WORDS:
            raise SpecError(f"'rules.patch_input.value' must be one of {', '.join(PATCH_INPUT_WORDS)}",
                            item.where("value"))
        if key == "scratch" and value not in SCRATCH_WORDS:
            raise SpecError(f"'rules.scratch.value' must be one of {', '.join(SCRATCH_WORDS)}", item.where("value"))
        if key == "alignment" and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4096):
            raise SpecError("'rules.alignment.value' must be a whole number of bytes from 1 to 4096",
                            item.where("value"))
        if key == "planner" and not isinstance(value, str):
            raise SpecError(f"'rules.{key}.value' must be text", item.where("value"))
        rules[key] = Rule(value=value, what=item["what"], source=item["source"])
    return Runtime(name=name, title=title, rules=rules, source=source)
