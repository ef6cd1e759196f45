"""Device profiles as text and JSON (`cnncalc devices`). No rich here."""

from __future__ import annotations

from typing import Optional

from cnncalc.render import document, fmt


def _figure_dict(figure) -> dict:
    return {"value": figure.value, "what": figure.what, "source": figure.source}


def devices_json(catalogue) -> str:
    """Bandwidth in bytes per second and peaks in operations per second, exact ints."""
    return document.to_json(document.envelope("cnncalc.devices/1", {"devices": [
        {"name": d.name, "title": d.title, "bandwidth": _figure_dict(d.bandwidth),
         "peak": {dtype: _figure_dict(f) for dtype, f in d.peak.items()}} for d in catalogue.profiles]}))


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
        figures += [(f"peak {dtype}", f"{fmt.count(f.value)} op/s ({fmt.human(f.value)})", f)
                    for dtype, f in d.peak.items()]
        label_width = max(len(label) for label, _, _ in figures)
        pad = " " * (label_width + 4)
        for label, value, figure in figures:
            lines += fmt.fit(f"  {label.ljust(label_width)}  {value}", width, pad)
            if detailed:
                lines += fmt.fit(f"{pad}{figure.what}", width, pad)
            lines += fmt.fit(f"{pad}source: {figure.source}", width, pad)
        lines.append("")
    lines += fmt.fit("A roofline estimate from these figures is a lower bound on the time, not a measurement.",
                     width, "")
    return "\n".join(lines) + "\n"
