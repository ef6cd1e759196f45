"""What every layer type is: a small frozen record (cnncalc/record.py) registered under its YAML name.

A layer's arguments are its record fields; each field's metadata says how to check the YAML value and
documents it (``cnncalc layers`` prints exactly this). A layer computes its :class:`Facts` from the
shapes of its inputs; the analysis composes the rest (receptive fields, totals). No code outside this
package chooses a formula by the name of a layer type.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, ClassVar, Iterable, Mapping, Optional, Sequence

from cnncalc import record as records
from cnncalc.errors import LayerArgError, brief, did_you_mean
from cnncalc.record import field, record

Shape = tuple  # (channels, *spatial) ints; batch excluded

REGISTRY: dict[str, type["Layer"]] = {}
ALIASES: dict[str, str] = {}


def register(name: str, *aliases: str):
    """Class decorator: make a layer type usable in specs under ``name`` (and ``aliases``)."""
    def decorate(cls):
        if name in REGISTRY or name in ALIASES:
            raise RuntimeError(f"layer type '{name}' registered twice")
        cls.type_name = name
        cls.aliases = aliases
        REGISTRY[name] = cls
        for alias in aliases:
            ALIASES[alias] = name
        return cls
    return decorate


def registered(name: str) -> Optional[type["Layer"]]:
    """The registered class of a name or alias among the modules imported so far, or None. Not the lookup of a
    type: cnncalc.layers.lookup imports the modules and plug-ins first."""
    return REGISTRY.get(ALIASES.get(name, name))


# ----------------------------------------------------------------------------- argument rules

@record
class ArgRule:
    """How one argument's YAML value is checked and normalised, and how it is described to users (in words,
    and as JSON Schema for `cnncalc schema`: None accepts any value there, the check still applies)."""
    describe: str
    convert: Callable[[object, str], object]
    schema: Optional[dict] = None

    def __call__(self, value, key):
        return self.convert(value, key)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_at_least(low: int, what: str) -> ArgRule:
    def convert(value, key):
        if not _is_int(value):
            raise LayerArgError(f"'{key}' must be {what}, got {brief(value)}", key)
        if value < low:
            raise LayerArgError(f"'{key}' must be {what}, got {value}", key)
        return value
    return ArgRule(what, convert, {"type": "integer", "minimum": low})


POSITIVE_INT = _int_at_least(1, "a positive int")
NON_NEGATIVE_INT = _int_at_least(0, "an int ≥ 0")


def _ints_at_least(low: int, what: str) -> ArgRule:
    scalar = _int_at_least(low, what)

    def convert(value, key):
        if isinstance(value, list):
            if not value:
                raise LayerArgError(f"'{key}' must not be an empty list", key)
            return tuple(scalar(item, key) for item in value)
        return scalar(value, key)
    item = {"type": "integer", "minimum": low}
    # a list's items may be expressions too ([$input.height, $input.width]), as the reader evaluates them
    listed = {"anyOf": [item, {"type": "string", "pattern": r"\$"}]}
    return ArgRule(f"{what}, or a list of them (one per spatial axis)", convert,
                   {"anyOf": [item, {"type": "array", "items": listed, "minItems": 1}]})


POSITIVE_INTS = _ints_at_least(1, "a positive int")
NON_NEGATIVE_INTS = _ints_at_least(0, "an int ≥ 0")


def _padding(value, key):
    if value in ("valid", "same", "full"):
        return value
    if _is_int(value):
        return NON_NEGATIVE_INT(value, key)
    if isinstance(value, list) and value:
        items = []
        for item in value:
            if isinstance(item, list):
                if len(item) != 2:
                    raise LayerArgError(f"'{key}': each explicit pair must be [before, after], got {brief(item)}", key)
                items.append((NON_NEGATIVE_INT(item[0], key), NON_NEGATIVE_INT(item[1], key)))
            else:
                items.append(NON_NEGATIVE_INT(item, key))
        return tuple(items)
    raise LayerArgError(f"'{key}' must be valid, same, full, an int ≥ 0, a list of ints (one per axis) "
                        f"or a list of [before, after] pairs; got {brief(value)}", key)


def padding_schema(*words: str) -> dict:
    """JSON Schema of a padding: one of ``words``, an int ≥ 0, or a list of ints ≥ 0 or [before, after] pairs;
    an item may be an expression (a text with a '$': '$input.length - 1')."""
    amount = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": r"\$"}]}
    pair = {"type": "array", "items": amount, "minItems": 2, "maxItems": 2}
    forms = [amount, {"type": "array", "items": {"anyOf": [amount, pair]}, "minItems": 1}]
    return {"anyOf": ([{"enum": list(words)}] if words else []) + forms}


PADDING = ArgRule("valid | same | full | int | [int per axis] | [[before, after] per axis]", _padding,
                  padding_schema("valid", "same", "full"))


def _boolean(value, key):
    if not isinstance(value, bool):
        raise LayerArgError(f"'{key}' must be true or false, got {brief(value)}", key)
    return value


BOOLEAN = ArgRule("true or false", _boolean, {"type": "boolean"})


def _number(value, key):
    if isinstance(value, Fraction):          # an expression's exact result: a float, as a written number is
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LayerArgError(f"'{key}' must be a number, got {brief(value)}", key)
    if not math.isfinite(value):
        raise LayerArgError(f"'{key}' must be a finite number, got {value}", key)
    return value


NUMBER = ArgRule("a finite number", _number, {"type": "number"})


def _layer_name(value, key):
    if not isinstance(value, str) or not value:
        raise LayerArgError(f"'{key}' must be the name of a layer, got {brief(value)}", key)
    return value


LAYER_NAME = ArgRule("the name of a layer (read for its shape only)", _layer_name, {"type": "string"})


def choice(*options: str) -> ArgRule:
    def convert(value, key):
        if value not in options:
            raise LayerArgError(f"'{key}' must be one of {', '.join(options)}; got {brief(value)}"
                                f"{did_you_mean(value, options)}", key)
        return value
    return ArgRule(" | ".join(options), convert, {"enum": list(options)})


_REQUIRED = records.MISSING


def arg(rule: ArgRule, doc: str, default: Any = _REQUIRED, shown: str = "") -> Any:
    """A layer argument: a record field carrying its rule and its one-line documentation. ``shown``: how
    `cnncalc layers` writes a default that stands for something else (pooling's stride: 'kernel')."""
    meta = {"rule": rule, "doc": doc, "shown": shown}
    if default is _REQUIRED:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


# ----------------------------------------------------------------------------- facts and the base class

FOLDS, EPILOGUE, RESIDUAL = "folds", "epilogue", "residual"      # Layer.fuses

ELEMENTWISE = "elementwise"   # receptive field unchanged (activations, normalisation, dropout, merges)
WHOLE = "whole"               # sees every input position (dense, global pooling)
UNKNOWN = "unknown"           # the layer scrambles positions in a way the tool does not model


@record
class Window:
    """A windowed layer, per spatial axis: output unit 0 sees input positions offset .. offset+span−1,
    and neighbouring output units are ``stride`` input positions apart (may be a Fraction). ``reads``, per
    axis, (first, last) for a layer that clamps its reads into its input (resizing, cnncalc/rf.py): unit 0
    reads from input position ``first``, the last unit up to ``last``; None for a window that does not."""
    spans: tuple
    strides: tuple
    offsets: tuple
    reads: Optional[tuple] = None


@record
class Facts:
    """Everything a layer knows about itself once its input shapes are known. Exact ints."""
    output: Shape
    params: int = 0
    state: int = 0
    macs: int = 0
    flops: int = 0
    rf: object = ELEMENTWISE      # ELEMENTWISE | WHOLE | UNKNOWN | Window
    warnings: tuple = ()
    label: str = ""               # short text for the table's type column ('conv 3×3/2'); default: type


@record
class Worked:
    """One figure of a layer worked out with the numbers in, as `cnncalc explain` shows it:
    "<figure>: <formula> = <numbers> = <value>  <note>". ``figure`` names the :class:`Facts` field it works
    out (``params``, ``state``, ``macs`` or ``flops``), and ``value``, an exact int, must equal the layer's
    own count of it (explain stops with an internal error otherwise; tests/test_explain.py runs every layer
    of every shipped spec)."""
    figure: str
    formula: str          # the rule in words: "kernel · (C_in / groups) · C_out + bias"
    numbers: str          # the rule with the numbers in: "11·11·3·96 + 96"
    value: int
    note: str = ""


def times(values) -> str:
    """Factors written for a worked figure: 3·3·64."""
    return "·".join(str(v) for v in values)


@record
class Kept:
    """One thing a layer keeps for its backward pass (training memory, docs/conventions.md): one of its
    inputs (``input``: its index), its output (``output``), or a private buffer of ``elements`` at ``bits``
    (0: the activation dtype), per sample unless ``per_sample`` is false (BN's batch statistics)."""
    input: Optional[int] = None
    output: bool = False
    elements: int = 0
    bits: int = 0
    per_sample: bool = True


@record
class Grads:
    """Which gradients autograd computes at a layer (training memory): ``inputs``, per data input, whether
    a gradient flows back into it (some trainable weight lies before it); ``weights``, whether the layer's
    own weights are trainable. torch saves a tensor only for a gradient that is computed."""
    inputs: tuple
    weights: bool


KEEPS_INPUT = (Kept(input=0),)
KEEPS_OUTPUT = (Kept(output=True),)
KEEPS_NOTHING: tuple = ()


class Routing:
    """A layer that only moves data (the input, padding): no arithmetic, nothing kept for backward."""

    flops_rule: ClassVar[str] = "0"
    keeps: ClassVar[Optional[tuple]] = KEEPS_NOTHING


class KeepsInputForWeights:
    """A product of the input with the layer's weights (dense, linear, scale): the weights' gradient needs the
    input, the input's gradient only the weights (counted apart), so it keeps its input when its weights are
    trainable and nothing when they are frozen, as torch's addmm, matmul and mul save."""

    keeps: ClassVar[Optional[tuple]] = KEEPS_INPUT
    saves_rule: ClassVar[str] = "its input if its weights are trainable; nothing if they are frozen"

    def saved_when(self, inputs: Sequence[Shape], output: Shape, grads: Grads) -> tuple:
        return KEEPS_INPUT if grads.weights else KEEPS_NOTHING


class KeepsArgmax:
    """Max pooling's rule (windowed, global, adaptive): its input, and the int64 index of every output
    element's maximum."""

    saves_rule: ClassVar[str] = "its input, and the argmax of every output element (int64)"

    def saved_for_backward(self, inputs: Sequence[Shape], output: Shape) -> tuple:
        return KEEPS_INPUT + (Kept(elements=math.prod(output), bits=64),)


class Layer:
    """Base of every layer type. Subclasses are frozen records whose fields are args."""

    type_name: ClassVar[str] = ""
    aliases: ClassVar[tuple] = ()
    arity: ClassVar[Optional[int]] = 1      # inputs it takes; None: two or more
    has_branches: ClassVar[bool] = False    # accepts parallel branches (concat, add)
    # The FLOPs rule in words, as docs/conventions.md's table shows it (generated: python -m cnncalc.docgen).
    # Every type writes one; tests/test_docgen.py checks it.
    flops_rule: ClassVar[str] = ""
    # Its companion modules (executor, PyTorch writer, ONNX mapping: cnncalc.layers.COMPANION_KINDS) when
    # the module-name rule does not find them (the layer module's name with 'layers' replaced by the kind).
    companions: ClassVar[Mapping[str, str]] = {}
    # Peak memory with --in-place: the layer may write its output into its input's storage, as runtimes do
    # for activations, BN at inference, an add into one of its inputs, dropout at inference.
    in_place: ClassVar[bool] = False
    # Its output is a view of its input (flatten, reshape): the same storage, so what keeps the output
    # keeps the input's storage (training memory), and it always runs in place (peak memory).
    view: ClassVar[bool] = False
    # How a runtime fuses it with the layer before it (TensorRT's and ONNX Runtime's graph optimisations; the
    # graph picture draws a fused chain as one node): FOLDS, folded into the weights of a preceding layer that
    # ``takes_fold`` (batch norm's per-channel scale and shift); EPILOGUE, an element-wise pass run in its
    # producer's epilogue (activations); RESIDUAL (add), an element-wise sum of its producer's output and
    # another tensor, run in the producer's epilogue (TensorRT's convolution + element-wise sum; cnncalc.deploy
    # under a runtime whose rules say so); "" runs on its own.
    fuses: ClassVar[str] = ""
    # A linear layer with a per-output-channel weight and bias (conv, dense) into which a FOLDS layer folds.
    takes_fold: ClassVar[bool] = False
    # An element-wise clamp (relu, relu6): what a quantised kernel applies as its output range, so runtimes
    # that fuse only clamps (TFLite's fused_activation_function) fuse it.
    clamps: ClassVar[bool] = False
    # Its weights differ by output position (locally connected, tiled): no standard convolution kernel runs it.
    weights_per_position: ClassVar[bool] = False
    # Its output is a strided slice of its input's storage in torch (a split part, a crop): not contiguous.
    # A view in training memory (what keeps it keeps the storage), whatever `view` says for peak memory.
    strided_slice: ClassVar[bool] = False
    # torch runs it on a contiguous copy of a strided input and keeps that copy, not the storage (linear,
    # group and instance normalisation): in training memory, a kept strided input counts as its own copy.
    contiguous_input: ClassVar[bool] = False
    # What it keeps for its backward pass (training memory): a fixed rule (KEEPS_INPUT, KEEPS_OUTPUT,
    # KEEPS_NOTHING), or None for every input; a rule that depends on the shapes overrides
    # saved_for_backward. ``saves_rule`` says it in words for docs/conventions.md's training-memory table
    # (generated: python -m cnncalc.docgen); the fixed rules have words of their own.
    keeps: ClassVar[Optional[tuple]] = None
    saves_rule: ClassVar[str] = ""
    # Its entry expands (expand()) into nodes that one operation yields together (split's parts): a capability
    # that writes code (the PyTorch export) writes that operation once, for all of them.
    multi_output: ClassVar[bool] = False
    # Arguments whose value names another layer read for its shape only (upsample's and crop's `like:`):
    # the spec builder makes each named layer an extra input, after the data inputs (cnncalc/spec/assembly.py);
    # it adds nothing to the receptive field, and infer and the executor receive it last.
    shape_refs: ClassVar[tuple] = ()

    def shape_references(self) -> tuple:
        """The layer names of the ``shape_refs`` arguments that are given, in order."""
        return tuple(v for v in (getattr(self, name) for name in self.shape_refs) if v is not None)

    @classmethod
    def arg_fields(cls) -> list[records.Field]:
        return [f for f in records.fields(cls) if "rule" in f.metadata]

    @classmethod
    def from_args(cls, args: Mapping, defaults: Mapping = {}) -> "Layer":
        """ArgRule the YAML arguments (after filling in spec-wide defaults) and build the layer."""
        fields = {f.name: f for f in cls.arg_fields()}
        for key in args:
            if key not in fields:
                known = ", ".join(fields) or "none"
                raise LayerArgError(f"unknown argument '{key}' for {cls.type_name}"
                                    f"{did_you_mean(key, fields)}; it takes: {known}", key)
        values = {}
        for name, f in fields.items():
            if name in args:
                raw = args[name]
            elif name in defaults:
                raw = defaults[name]
            elif f.default is records.MISSING:
                raise LayerArgError(f"{cls.type_name} needs '{name}' ({f.metadata['doc']})", None)
            else:
                continue
            values[name] = f.metadata["rule"](raw, name)
        layer = cls(**values)
        layer.validate()
        return layer

    def validate(self) -> None:
        """Checks between arguments that need no input shape. Raise LayerArgError."""

    def infer(self, inputs: Sequence[Shape]) -> Facts:
        raise NotImplementedError

    def worked(self, inputs: Sequence[Shape], facts: Facts) -> tuple:
        """Its figures worked out with the numbers in, for `cnncalc explain`: :class:`Worked` items (exact
        ints, no numpy), each of which must agree with ``facts`` (this layer's :meth:`infer` on ``inputs``).
        Derive them independently of :meth:`infer` where you can: the agreement is then a check. ``()``:
        explain shows the figures and the FLOPs rule only."""
        return ()

    def expand(self) -> Iterable["Layer"]:
        """The layers an entry of this type becomes, one node each (an iterable, which may be made lazily),
        or () when it is one node itself. The spec builder names them NAME.0, NAME.1, … (each reads the
        entry's input; NAME alone means the last, and the next entry continues from it): split's parts."""
        return ()

    def saved_for_backward(self, inputs: Sequence[Shape], output: Shape) -> tuple:
        """What the layer keeps for its backward pass in training, as :class:`Kept` items (the rule per
        type in docs/conventions.md, checked against torch's saved tensors): its ``keeps``, by default
        every input."""
        if self.keeps is not None:
            return self.keeps
        return tuple(Kept(input=i) for i in range(len(inputs)))

    def saved_when(self, inputs: Sequence[Shape], output: Shape, grads: Grads) -> tuple:
        """What it keeps for backward when only the gradients ``grads`` says are computed (autograd saves a
        tensor only for a gradient it computes: a linear layer with frozen weights keeps nothing). By
        default :meth:`saved_for_backward`, which is what it keeps when every gradient is computed."""
        return self.saved_for_backward(inputs, output)

    def channelwise(self, inputs: Sequence[Shape]) -> bool:
        """Each output channel reads only its own input channel, one to one (a depthwise convolution with one
        filter per channel): a runtime may run it channel by channel in its input's storage (TinyEngine's
        in-place depthwise convolution)."""
        return False

    def folds_now(self) -> bool:
        """Whether this FOLDS layer can fold at inference (its scale and shift are constants then)."""
        return self.fuses == FOLDS

    def folded_bias(self, output: Shape) -> int:
        """A ``takes_fold`` layer: the parameters a batch norm folded into it adds, its shift as the bias: none
        if it has a bias already, else one per output channel (the first axis)."""
        return 0 if getattr(self, "bias", True) else output[0]

    def scratch(self, kernels: str, inputs: Sequence[Shape], output: Shape, in_place: bool) -> dict:
        """The scratch buffers a runtime's int8 kernels allocate to run it, kind → bytes (im2col columns, a
        kernel copy, the in-place depthwise channel buffer), for the kernel library ``kernels`` (a runtime
        profile's ``scratch`` rule: ``cmsis-nn``, ``tinyengine``); ``in_place``: the runtime runs it in its
        input's storage. By default none (cnncalc/layers/scratch.py has the libraries' formulas)."""
        return {}

    def tie_shape(self, inputs: Sequence[Shape]) -> tuple:
        """What of its input shapes its weights are shaped by, beyond their arguments: a layer that reuses its
        weights ('share:') must read inputs that give the same. By default the input channels, which shape
        every built-in type's weights; a type whose weights take more of the shape says so."""
        return (inputs[0][0],) if inputs else ()

    def statistics_over_positions(self) -> bool:
        """Whether its value at one position depends on every position of its input through statistics it
        computes at inference, although its receptive field is element-wise (normalisation by a sample's own
        statistics over space): such a layer cannot run patch by patch (docs/conventions.md, "Patch-based
        inference"). By default False."""
        return False

    def shares_input_storage(self) -> bool:
        """Whether its output is its input's storage in torch's autograd (a view, a slice, an alias), so that
        what keeps its output keeps that storage (training memory). By default :attr:`view` or
        :attr:`strided_slice`."""
        return self.view or self.strided_slice

    @classmethod
    def saves_text(cls) -> str:
        """``saves_rule``, or the words of its fixed rule."""
        if cls.saves_rule:
            return cls.saves_rule
        words = {KEEPS_NOTHING: "nothing", KEEPS_INPUT: "its input", KEEPS_OUTPUT: "its output"}
        return words.get(cls.keeps, "its inputs") if cls.keeps is not None else "its inputs"


def spatial_axes(shape: Shape, type_name: str, low: int = 1, high: int = 3) -> tuple:
    """The spatial sizes of a channels-first shape, or a clear error when the rank does not fit."""
    spatial = tuple(shape[1:])
    if not low <= len(spatial) <= high:
        forms = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}
        wanted = " or ".join(forms[n] for n in range(low, high + 1) if n in forms)
        raise LayerArgError(f"{type_name} needs an input shaped {wanted}; got {list(shape)}")
    return spatial


