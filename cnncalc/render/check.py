"""Output of `cnncalc check`: aligned text lines (one per spec × limit), JSON (schema cnncalc.check/2),
Markdown, and GitHub Actions annotations. No rich here."""

from __future__ import annotations

from fractions import Fraction

from cnncalc.budget.engine import BudgetResult, CheckRun
from cnncalc.metrics import BY_KEY
from cnncalc.render import document, fmt
from cnncalc.render.grid import Column, layout
from cnncalc.render.text import md_code, md_text, shown
from cnncalc.units import BYTES

SCHEMA = "cnncalc.check/2"


def value_text(value: int, kind: str) -> str:
    """'8,960' for a count; '392 KiB (401,408 B)' for bytes."""
    return fmt.bytes_exact(value) if kind == BYTES else fmt.count(value)


def headroom_text(result: BudgetResult) -> str:
    room = result.headroom
    kind = BY_KEY[result.metric].kind
    if room >= 0:
        share = f" ({fmt.percent(Fraction(room, result.limit.value)).lstrip('+')} left)" if result.limit.value else ""
        return f"headroom {value_text(room, kind)}{share}"
    share = f" ({fmt.percent(Fraction(-room, result.limit.value))})" if result.limit.value else ""
    return f"over by {value_text(-room, kind)}{share}"


def _rows(run: CheckRun) -> list[tuple]:
    rows = []
    for result in run.checks:
        kind = BY_KEY[result.metric].kind
        rows.append(("PASS" if result.passed else "FAIL", shown(result.spec), result.metric,
                     value_text(result.actual, kind),
                     ("≤ " if result.passed else "> ") + value_text(result.limit.value, kind),
                     headroom_text(result), result.limit.origin))
    return rows


def summary(run: CheckRun) -> str:
    checks = run.checks
    failed = sum(1 for c in checks if not c.passed)
    checked = sum(1 for r in run.results if r.error is None and r.skipped is None)
    parts = [f"{checked} spec{'s' if checked != 1 else ''}", f"{len(checks)} check{'s' if len(checks) != 1 else ''}",
             f"{len(checks) - failed} passed", f"{failed} failed"]
    if run.errors:
        parts.append(f"{len(run.errors)} bad spec{'s' if len(run.errors) != 1 else ''} (see errors)")
    verdict = "passed" if run.passed else "FAILED"
    return f"cnncalc check {verdict}: " + ", ".join(parts)


# result, spec, metric, actual (right-justified), limit, headroom, where the limit comes from
_COLUMNS = [Column("", space=2 if i else 0, right=i == 3) for i in range(7)]


def text(run: CheckRun) -> str:
    """One line per spec × limit, columns aligned: result, spec, metric, actual, limit, headroom, source."""
    rows = _rows(run)
    lines = []
    if rows:
        lines = layout(_COLUMNS, rows, width=0, heading=False, margin=0).splitlines()
    for result in run.results:
        if result.skipped:
            lines.append(shown(f"SKIP  {result.spec}: {result.skipped}"))
        lines += [shown(f"note: {n}") for n in result.notes]
    lines += [shown(f"note: {n}") for n in run.notes]
    lines.append(summary(run))
    return "\n".join(lines) + "\n"


def markdown(run: CheckRun) -> str:
    rows = [("✅" if r[0] == "PASS" else "❌", md_code(r[1])) + r[2:-1] + (md_text(r[-1]),) for r in _rows(run)]
    rows += [("⚠️", md_code(result.spec), "error", "", "", md_text(result.error), "") for result in run.errors]
    lines = document.md_table(["", "Spec", "Metric", "Actual", "Limit", "Headroom", "Limit from"], "lllrrll", rows)
    return "\n".join(lines + ["", document.bold(summary(run)), ""])


def check_dict(run: CheckRun) -> dict:
    names = {r.spec: r.name for r in run.results}
    checks = run.checks
    return document.envelope(SCHEMA, {
        "passed": run.passed,
        "exit_code": int(run.exit_code),
        "dtype": run.dtype,
        "batch": run.batch,
        "checks": [
            {
                "spec": c.spec,
                "name": names.get(c.spec),
                "metric": c.metric,
                "unit": "bytes" if BY_KEY[c.metric].kind == BYTES else "count",
                "actual": c.actual,
                "limit": c.limit.value,
                "headroom": c.headroom,
                "passed": c.passed,
                "source": c.limit.source,
                "origin": c.limit.origin,
                "file": c.limit.location.file if c.limit.location else None,
                "line": c.limit.location.line if c.limit.location else None,
                "baseline": c.limit.baseline,
                "max_increase": fmt.exact(c.limit.max_increase),
            }
            for c in checks
        ],
        "errors": [
            {
                "spec": r.spec,
                "message": r.error.message,
                "file": r.error.location.file if r.error.location else None,
                "line": r.error.location.line if r.error.location else None,
                "column": r.error.location.column if r.error.location else None,
                "layer": r.error.layer,
            }
            for r in run.errors
        ],
        "skipped": [{"spec": r.spec, "reason": r.skipped} for r in run.results if r.skipped],
        "notes": [n for r in run.results for n in r.notes] + list(run.notes),
        "summary": {
            "specs": len(run.results),
            "checks": len(checks),
            "passed": sum(1 for c in checks if c.passed),
            "failed": sum(1 for c in checks if not c.passed),
            "errors": len(run.errors),
            "skipped": sum(1 for r in run.results if r.skipped),
        },
    })


def check_json(run: CheckRun) -> str:
    return document.to_json(check_dict(run))


# ----------------------------------------------------------------------------- GitHub Actions

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(file: str, line, column, message: str) -> str:
    props = [f"file={_escape_property(file)}"]
    if line:
        props.append(f"line={line}")
        if column:
            props.append(f"col={column}")
    props.append("title=cnncalc check")
    message = "\n".join(shown(line) for line in message.split("\n"))     # newlines are escaped as %0A
    return f"::error {','.join(props)}::{_escape_data(message)}"


def annotations(run: CheckRun) -> list[str]:
    """'::error file=PATH,line=N::message' for every failed check (at the budget line when the limit is
    in the spec, else at the spec) and every bad spec (at the error's location)."""
    out = []
    for c in run.checks:
        if c.passed:
            continue
        kind = BY_KEY[c.metric].kind
        loc = c.limit.location if c.limit.location and c.limit.location.file == c.spec else None
        message = (f"{c.metric} {value_text(c.actual, kind)} exceeds the limit {value_text(c.limit.value, kind)} "
                   f"({c.limit.origin}) by {value_text(-c.headroom, kind)}")
        out.append(_annotation(c.spec, loc.line if loc else None, None, message))
    for r in run.errors:
        loc = r.error.location
        file = loc.file if loc and loc.file not in ("<spec>", "<stdin>") else r.spec
        message = f"layer '{r.error.layer}': {r.error.message}" if r.error.layer else r.error.message
        out.append(_annotation(file, loc.line if loc else None, loc.column if loc else None, message))
    return out
