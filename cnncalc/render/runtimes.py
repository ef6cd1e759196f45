"""Runtime profiles as text and JSON (`cnncalc runtimes`). No rich here."""

from __future__ import annotations

from typing import Optional

from cnncalc.render import document, fmt


def runtimes_json(catalogue) -> str:
    from cnncalc.render.report import runtime_dict
    return document.to_json(document.envelope("cnncalc.runtimes/1", {
        "runtimes": [runtime_dict(runtime) for runtime in catalogue.profiles]}))


def _value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(value) if value else "nothing"
    return str(value)


def runtimes_text(catalogue, width: Optional[int] = None) -> str:
    """One block per profile: each rule's value, what it means and its source. Lines wrap at ``width``
    (default: the terminal's; none in a pipe without $COLUMNS)."""
    from cnncalc.render.terminal import terminal_width
    width = terminal_width(0) if width is None else width
    lines = []
    for runtime in catalogue.profiles:
        lines += fmt.fit(f"{runtime.name}: {runtime.title}", width, "  ")
        lines += fmt.sourced([(key, _value(rule.value), rule.what, rule.source)
                              for key, rule in runtime.rules.items()], width)
        lines.append("")
    lines += fmt.fit("--runtime NAME shows the network as that runtime deploys it (docs/conventions.md, "
                     "'Runtimes').", width, "")
    return "\n".join(lines) + "\n"
