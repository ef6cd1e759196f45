"""Runtime profiles as text and JSON (`cnncalc runtimes`). No rich here."""

from __future__ import annotations

from cnncalc.render import document


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


def runtimes_text(catalogue) -> str:
    """One block per profile: each rule's value, what it means and its source."""
    lines = []
    for runtime in catalogue.profiles:
        lines.append(f"{runtime.name}: {runtime.title}")
        width = max(len(key) for key in runtime.rules)
        for key, rule in runtime.rules.items():
            lines.append(f"  {key.ljust(width)}  {_value(rule.value)}")
            lines.append(f"  {' ' * width}  {rule.what}")
            lines.append(f"  {' ' * width}  source: {rule.source}")
        lines.append("")
    lines.append("--runtime NAME shows the network as that runtime deploys it (docs/conventions.md, 'Runtimes').")
    return "\n".join(lines) + "\n"
