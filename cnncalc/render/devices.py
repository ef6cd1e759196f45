"""Device profiles as text and JSON (`cnncalc devices`). No rich here."""

from __future__ import annotations

from cnncalc.render import document, fmt


def _figure_dict(figure) -> dict:
    return {"value": figure.value, "what": figure.what, "source": figure.source}


def devices_json(catalogue) -> str:
    """Bandwidth in bytes per second and peaks in operations per second, exact ints."""
    return document.to_json(document.envelope("cnncalc.devices/1", {"devices": [
        {"name": d.name, "title": d.title, "bandwidth": _figure_dict(d.bandwidth),
         "peak": {dtype: _figure_dict(f) for dtype, f in d.peak.items()}} for d in catalogue.profiles]}))


def devices_text(catalogue) -> str:
    """One block per profile: bandwidth and peaks; detailed (profiles the user named): with what each figure
    is and its source."""
    lines, detailed = [], catalogue.detailed
    for d in catalogue.profiles:
        lines.append(f"{d.name}: {d.title}")
        figures = [("bandwidth", f"{fmt.count(d.bandwidth.value)} B/s ({fmt.nbytes(d.bandwidth.value)}/s)",
                    d.bandwidth)]
        figures += [(f"peak {dtype}", f"{fmt.count(f.value)} op/s ({fmt.human(f.value)})", f)
                    for dtype, f in d.peak.items()]
        width = max(len(label) for label, _, _ in figures)
        for label, value, figure in figures:
            lines.append(f"  {label.ljust(width)}  {value}")
            if detailed:
                lines.append(f"  {' ' * width}  {figure.what}")
            lines.append(f"  {' ' * width}  source: {figure.source}")
        lines.append("")
    lines.append("A roofline estimate from these figures is a lower bound on the time, not a measurement.")
    return "\n".join(lines) + "\n"
