"""Device profiles as text and JSON (`cnncalc devices`). No rich here."""

from __future__ import annotations

from typing import Optional

from cnncalc.render import document, fmt


def _figure_dict(figure) -> dict:
    out = {"value": figure.value if isinstance(figure.value, int) else fmt.exact(figure.value),
           "what": figure.what, "source": figure.source}
    if figure.arithmetic:
        out["as"] = figure.arithmetic
    return out


def efficiency_dict(model) -> dict:
    """One kind's model (cnncalc.devices.Efficiency) as JSON: ``value`` (a ratio), or ``compute`` and
    ``memory`` (ratios) with ``overhead`` (seconds, fmt.in_units); with what and source."""
    if model.value is not None:
        out: dict = {"value": fmt.exact(model.value)}
    else:
        out = {"compute": fmt.exact(model.compute), "memory": fmt.exact(model.memory),
               "overhead": fmt.in_units({"seconds": model.overhead})}
    return {**out, "what": model.what, "source": model.source}


def efficiency_text(model) -> str:
    """One kind's model for people."""
    if model.value is not None:
        return f"{float(model.value):g} of the bound's speed"
    return (f"{float(model.compute):.3g} of the peak, {float(model.memory):.3g} of the bandwidth, "
            f"+ {fmt.seconds(model.overhead)} per layer")


def devices_json(catalogue) -> str:
    """Bandwidth in bytes per second and peaks in operations per second, exact ints."""
    return document.to_json(document.envelope("cnncalc.devices/1", {"devices": [
        {"name": d.name, "title": d.title, "bandwidth": _figure_dict(d.bandwidth),
         "peak": {dtype: _figure_dict(f) for dtype, f in d.peak.items()}, "runtimes": list(d.runtimes),
         "efficiency": {kind: efficiency_dict(f) for kind, f in d.efficiency.items()},
         "overhead": None if d.overhead is None else _figure_dict(d.overhead),
         "run": None if d.run is None else _figure_dict(d.run),
         "cache": None if d.cache is None else _figure_dict(d.cache),
         "main_memory": None if d.main_memory is None else _figure_dict(d.main_memory)}
        for d in catalogue.profiles]}))


def devices_text(catalogue, width: Optional[int] = None) -> str:
    """One block per profile: bandwidth and peaks; detailed (profiles the user named): with what each figure
    is and its source. Lines wrap at ``width`` (default: the terminal's; none in a pipe without $COLUMNS)."""
    from cnncalc.render.terminal import terminal_width
    width = terminal_width(0) if width is None else width
    lines, detailed = [], catalogue.detailed
    for d in catalogue.profiles:
        lines.append(f"{d.name}: {d.title}")
        figures = [("bandwidth", f"{fmt.count(d.bandwidth.value)} B/s ({fmt.nbytes(d.bandwidth.value)}/s)",
                    d.bandwidth)]
        figures += [(f"peak {dtype}", f"{fmt.count(f.value)} op/s ({fmt.human(f.value)})"
                     + (f" as {f.arithmetic}" if f.arithmetic else ""), f) for dtype, f in d.peak.items()]
        figures += [(f"efficiency {kind}", efficiency_text(f), f) for kind, f in d.efficiency.items()]
        if d.overhead is not None:
            figures.append(("overhead per layer", fmt.seconds(d.overhead.value), d.overhead))
        if d.run is not None:
            figures.append(("overhead per run", fmt.seconds(d.run.value), d.run))
        if d.cache is not None and d.main_memory is not None:
            figures.append(("last-level cache", fmt.nbytes(d.cache.value), d.cache))
            figures.append(("main memory", f"{fmt.count(d.main_memory.value)} B/s ({fmt.nbytes(d.main_memory.value)}/s)"
                            " beyond the cache", d.main_memory))
        lines += fmt.fit(f"  runtimes  {', '.join(d.runtimes)} (the bound assumes {d.runtimes[0]} unless --runtime "
                         "names another)", width, "            ")
        lines += fmt.sourced([(label, value, f.what, f.source) for label, value, f in figures], width, detailed)
        lines.append("")
    lines += fmt.fit("A roofline estimate from these figures is a lower bound on the time, not a measurement; the "
                     "estimate beside it charges each layer by the device's model of its kind of work.", width, "")
    return "\n".join(lines) + "\n"
