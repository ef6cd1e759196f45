"""Device profiles for the roofline estimate: the shipped catalogue (one YAML file each, beside this module)
and a user's own profile file, checked with errors located like spec errors (file:line:column).

A profile::

    name: t4
    title: NVIDIA T4 (PCIe, 70 W)                 # optional
    bandwidth: {value: 320GB, what: ..., source: ...}          # bytes per second
    peak:                                          # operations per second, per dtype (at least one)
      float32: {value: 8.1T, what: ..., source: ...}
      # optional: `as: tf32` when the figure is that of the arithmetic the default library path runs the dtype in
    runtimes: [fused, eager]                       # optional: the runtimes that run on it, the bound's default first
    efficiency:                                    # optional: the estimate's model of each kind of work
      conv: {value: 0.5, what: ..., source: ...}   # conv, depthwise, pointwise, matmul, elementwise, pooling
      # or the calibrated form: the fractions of the peak and of the bandwidth it reaches, its time per layer
      # depthwise: {compute: 0.3, memory: 0.25, overhead: 2us, what: ..., source: ...}
    overhead: {value: 2us, what: ..., source: ...} # optional: time added per deployed layer by the estimate
    run: {value: 5us, what: ..., source: ...}      # optional: time added once per forward pass by the estimate
    # optional, both or neither: the estimate's memory hierarchy (cnncalc.estimate): a layer's bytes beyond
    # the last-level cache go at the main memory's rate
    cache: {value: 32MiB, what: ..., source: ...}              # bytes: the last-level cache's size
    main_memory: {value: 12GB, what: ..., source: ...}         # bytes per second: main memory's streaming rate

Values use cnncalc's exact units (docs/ci.md): bandwidth a byte size per second (``320GB``, ``17068MB``),
peaks a count per second (``8.1T``, ``960M``). Every figure must say what it is and where it comes from.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Optional

from cnncalc.errors import Location, SpecError, did_you_mean
from cnncalc.record import record

DTYPES = ("float64", "float32", "float16", "bfloat16", "int8", "int4")   # cnncalc.analysis.DTYPE_BITS's names
# the kinds of work the estimate's efficiencies are given for (cnncalc.estimate.kind_of decides a layer's kind)
KINDS = ("conv", "depthwise", "pointwise", "matmul", "elementwise", "pooling")
# a profile without `runtimes` runs every runtime and its bound defaults to eager (the spec as written); the
# shipped profiles name theirs (docs/conventions.md, "Latency")
DEFAULT_RUNTIMES = ("eager", "fused", "tflite-micro", "tinyengine")
HERE = Path(__file__).parent


@record
class Figure:
    value: object             # bytes or operations per second (int); an efficiency (Fraction); seconds (Fraction)
    what: str
    source: str
    arithmetic: str = ""      # a peak's: the arithmetic the dtype runs in when not its own ('tf32'); "" its own


@record
class Efficiency:
    """The estimate's model of one kind of work (cnncalc.estimate), in one of two forms: ``value`` alone, the
    fraction of the bound's speed a layer reaches (t = t_bound / value); or ``compute`` and ``memory``, the
    fractions of the peak and of the bandwidth it reaches, and ``overhead``, seconds per layer of the kind
    (t = overhead + t_compute / compute + t_memory / memory)."""
    what: str
    source: str
    value: Optional[Fraction] = None
    compute: Optional[Fraction] = None
    memory: Optional[Fraction] = None
    overhead: Fraction = Fraction(0)


@record
class Device:
    name: str
    title: str
    bandwidth: Figure         # bytes per second
    peak: dict                # dtype → Figure (operations per second)
    source: str               # the file it was read from
    runtimes: tuple = DEFAULT_RUNTIMES    # the runtimes that run on it; the first is the bound's default
    efficiency: dict = {}     # kind of work (KINDS) → Efficiency; empty: no estimate
    overhead: Optional[Figure] = None     # seconds per deployed layer added by the estimate
    run: Optional[Figure] = None          # seconds added once per forward pass by the estimate
    cache: Optional[Figure] = None        # bytes of the last-level cache (the estimate's, with main_memory)
    main_memory: Optional[Figure] = None  # bytes per second beyond the cache (the estimate's, with cache)


def shipped() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(path.stem for path in HERE.glob("*.yaml"))


def load_shipped(name: str) -> Device:
    path = HERE / f"{name}.yaml"
    if not path.is_file():
        raise SpecError(f"unknown device '{name}'{did_you_mean(name, shipped())}; "
                        f"shipped: {', '.join(shipped())}; or give a profile file")
    return load_file(str(path))


def load_file(path: str) -> Device:
    try:
        text = Path(path).read_bytes()
    except OSError as err:
        raise SpecError(f"cannot read the device profile: {err.strerror}", Location(path)) from None
    return parse_device(text, path)


def parse_device(text, source: str = "<device>") -> Device:
    from cnncalc.spec import yamlsource
    data = yamlsource.load(text, source)
    if not isinstance(data, yamlsource.LocDict):
        raise SpecError("a device profile is a mapping with name, bandwidth and peak", _loc(data, source))
    _keys(data, {"name", "title", "bandwidth", "peak", "runtimes", "efficiency", "overhead", "run", "cache",
                 "main_memory"},
          {"name", "bandwidth", "peak"}, "a device profile", source)
    name = data["name"]
    if not isinstance(name, str) or not name:
        raise SpecError("'name' must be a non-empty text", data.where("name"))
    title = data.get("title", name)
    if not isinstance(title, str):
        raise SpecError("'title' must be text", data.where("title"))
    bandwidth = _figure(data["bandwidth"], "bandwidth", "bytes", data.where("bandwidth"), source)
    if bandwidth.value == 0:
        raise SpecError("'bandwidth' must be above 0", data.where("bandwidth"))
    peaks = data["peak"]
    if not isinstance(peaks, yamlsource.LocDict) or not peaks:
        raise SpecError(f"'peak' must map dtypes ({', '.join(DTYPES)}) to figures", data.where("peak"))
    peak = {}
    for dtype, item in peaks.items():
        if dtype not in DTYPES:
            raise SpecError(f"unknown dtype '{dtype}'{did_you_mean(dtype, DTYPES)}; dtypes: {', '.join(DTYPES)}",
                            peaks.where(dtype))
        peak[dtype] = _figure(item, f"peak.{dtype}", "count", peaks.where(dtype), source)
        if peak[dtype].value == 0:
            raise SpecError(f"'peak.{dtype}' must be above 0", peaks.where(dtype))
    return Device(name=name, title=title, bandwidth=bandwidth, peak=peak, source=source,
                  runtimes=_runtimes(data, source), efficiency=_efficiencies(data, source),
                  overhead=_figure(data["overhead"], "overhead", "seconds", data.where("overhead"), source)
                  if "overhead" in data else None,
                  run=_figure(data["run"], "run", "seconds", data.where("run"), source) if "run" in data else None,
                  **_hierarchy(data, source))


def _hierarchy(data, source: str) -> dict:
    """``cache`` (bytes) and ``main_memory`` (bytes per second): both or neither, each above 0."""
    given = [key for key in ("cache", "main_memory") if key in data]
    if len(given) == 1:
        other = "main_memory" if given == ["cache"] else "cache"
        raise SpecError(f"'{given[0]}' needs '{other}': the estimate's memory hierarchy takes the last-level "
                        "cache's size and the main memory's bandwidth together", data.where(given[0]))
    out = {}
    for key in given:
        out[key] = _figure(data[key], key, "bytes", data.where(key), source)
        if out[key].value == 0:
            raise SpecError(f"'{key}' must be above 0", data.where(key))
    return out


def _runtimes(data, source: str) -> tuple:
    if "runtimes" not in data:
        return DEFAULT_RUNTIMES
    from cnncalc.runtimes import SHIPPED
    names = data["runtimes"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise SpecError(f"'runtimes' must list runtime names ({', '.join(SHIPPED)}), the default first",
                        data.where("runtimes"))
    for name in names:
        if name not in SHIPPED:
            raise SpecError(f"unknown runtime '{name}'{did_you_mean(name, SHIPPED)}; shipped: {', '.join(SHIPPED)}",
                            data.where("runtimes"))
    return tuple(names)


def _efficiencies(data, source: str) -> dict:
    if "efficiency" not in data:
        return {}
    from cnncalc.spec import yamlsource
    given = data["efficiency"]
    if not isinstance(given, yamlsource.LocDict) or set(given) != set(KINDS):
        raise SpecError(f"'efficiency' must give every kind of work: {', '.join(KINDS)}", data.where("efficiency"))
    return {kind: _efficiency(given[kind], f"efficiency.{kind}", given.where(kind), source) for kind in KINDS}


def _efficiency(item, key: str, at: Location, source: str) -> Efficiency:
    """One kind's model: ``value`` (the whole-layer form) or ``compute`` and ``memory`` with an optional
    ``overhead`` (the calibrated form)."""
    from cnncalc import units
    from cnncalc.spec import yamlsource
    if not isinstance(item, yamlsource.LocDict):
        raise SpecError(f"'{key}' must be a mapping with value (or compute and memory), what and source", at)
    _keys(item, {"value", "compute", "memory", "overhead", "what", "source"}, {"what", "source"}, f"'{key}'", source)
    split = {"compute", "memory", "overhead"} & set(item)
    if ("value" in item) == bool(split) or (split and not {"compute", "memory"} <= split):
        raise SpecError(f"'{key}' takes either value (a fraction of the bound's speed) or compute and memory "
                        "(fractions of the peak and of the bandwidth) with an optional overhead", at)
    for text in ("what", "source"):
        if not isinstance(item[text], str) or not item[text].strip():
            raise SpecError(f"'{key}.{text}' must be a non-empty text", item.where(text))
    parsed: dict = {}
    try:
        for part in ("value", "compute", "memory"):
            if part in item:
                parsed[part] = _fraction(item[part], key if part == "value" else f"{key}.{part}")
        if "overhead" in item:
            parsed["overhead"] = units.parse_seconds(item["overhead"], f"{key}.overhead")
    except units.UnitError as err:
        where = next(part for part in ("value", "compute", "memory", "overhead") if part in item
                     and (part not in parsed))
        raise SpecError(str(err), item.where(where)) from None
    return Efficiency(what=item["what"], source=item["source"], **parsed)


def _loc(value, source: str) -> Location:
    return getattr(value, "loc", None) or Location(source)


def _keys(data, allowed: set, required: set, what: str, source: str) -> None:
    for key in data:
        if key not in allowed:
            raise SpecError(f"unknown key '{key}' in {what}{did_you_mean(key, sorted(allowed))}; "
                            f"it takes: {', '.join(sorted(allowed))}", data.where(key))
    for key in sorted(required):
        if key not in data:
            raise SpecError(f"{what} needs '{key}'", _loc(data, source))


def _figure(item, key: str, kind: str, at: Location, source: str) -> Figure:
    from cnncalc import units
    from cnncalc.spec import yamlsource
    if not isinstance(item, yamlsource.LocDict):
        raise SpecError(f"'{key}' must be a mapping with value, what and source", at)
    allowed = {"value", "what", "source"} | ({"as"} if kind == "count" else set())
    _keys(item, allowed, {"value", "what", "source"}, f"'{key}'", source)
    for text in ("what", "source") + (("as",) if "as" in item else ()):
        if not isinstance(item[text], str) or not item[text].strip():
            raise SpecError(f"'{key}.{text}' must be a non-empty text", item.where(text))
    value: object
    try:
        if kind == "fraction":
            value = _fraction(item["value"], key)
        elif kind == "seconds":
            value = units.parse_seconds(item["value"], key)
        else:
            value = units.parse_bytes(item["value"], key) if kind == "bytes" else units.parse_count(item["value"], key)
    except units.UnitError as err:
        raise SpecError(str(err), item.where("value")) from None
    return Figure(value=value, what=item["what"], source=item["source"], arithmetic=item.get("as", ""))


def _fraction(raw, key: str) -> Fraction:
    from cnncalc import units
    try:
        value = Fraction(str(raw)) if not isinstance(raw, bool) else None
    except (ValueError, ZeroDivisionError):
        value = None
    if value is None or not 0 < value <= 1:
        raise units.UnitError(f"'{key}' must be a number above 0 and at most 1 (a fraction of the bound's speed), "
                              f"not {raw!r}")
    return value


@record
class Catalogue:
    """Device profiles to show (`cnncalc devices`): ``detailed`` when the user named them, with what each
    figure is beside its source."""
    profiles: tuple
    detailed: bool = False


def find(name_or_path: str) -> Device:
    """A shipped profile by name, or a profile file by path (anything with a '/' or ending in .yaml/.yml)."""
    if "/" in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        return load_file(name_or_path)
    return load_shipped(name_or_path)
