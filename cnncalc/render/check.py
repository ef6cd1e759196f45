"""Output of `cnncalc check`: aligned text lines (one per spec × limit), JSON (schema cnncalc.check/2),
Markdown, and GitHub Actions annotations. No rich here."""

from __future__ import annotations

from fractions import Fraction
from typing import Optional

from cnncalc.budget.engine import BudgetResult, CheckRun
from cnncalc.metrics import BUDGET_KEYS, BY_KEY
from cnncalc.render import document, fmt
from cnncalc.render.text import md_code, md_text, shown
from cnncalc.units import BYTES, SECONDS

SCHEMA = "cnncalc.check/2"


def value_text(value, kind: str) -> str:
    """'8,960' for a count; '392 KiB (401,408 B)' for bytes; '5.00 ms' for a time (exact in the JSON)."""
    if kind == SECONDS:
        return fmt.seconds(value)
    return fmt.bytes_exact(value) if kind == BYTES else fmt.count(value)


def headroom_text(result: BudgetResult) -> str:
    room = result.headroom
    kind = BY_KEY[result.metric].kind
    if room >= 0:
        share = f" ({fmt.percent(Fraction(room, result.limit.value)).lstrip('+')} left)" if result.limit.value else ""
        return f"headroom {value_text(room, kind)}{share}"
    share = f" ({fmt.percent(Fraction(-room, result.limit.value))})" if result.limit.value else ""
    return f"over by {value_text(-room, kind)}{share}"


def near(result: BudgetResult, warn_at: Optional[Fraction]) -> bool:
    """A passing check at or above ``warn_at`` of its limit (--warn-at 90%)."""
    return warn_at is not None and result.passed and result.actual >= warn_at * result.limit.value


def _row(result: BudgetResult, warn_at: Optional[Fraction] = None) -> tuple:
    kind = BY_KEY[result.metric].kind
    status = ("WARN" if near(result, warn_at) else "PASS") if result.passed else "FAIL"
    return (status, shown(result.spec), result.metric, value_text(result.actual, kind),
            ("≤ " if result.passed else "> ") + value_text(result.limit.value, kind),
            headroom_text(result), result.limit.origin)


def _rows(run: CheckRun, warn_at: Optional[Fraction] = None) -> list[tuple]:
    return [_row(result, warn_at) for result in run.checks]


def counts(run: CheckRun) -> dict:
    """The run's counts, as the JSON summary holds them and every format's summary line says them."""
    checks = run.checks
    failed = sum(1 for c in checks if not c.passed)
    return {"specs": len(run.results), "checks": len(checks), "passed": len(checks) - failed, "failed": failed,
            "errors": len(run.errors), "skipped": sum(1 for r in run.results if r.skipped)}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary(run: CheckRun) -> str:
    n = counts(run)
    parts = [_plural(n["specs"], "spec"), _plural(n["checks"], "check"), f"{n['passed']} passed",
             f"{n['failed']} failed"]
    if n["errors"]:
        parts.append(f"{_plural(n['errors'], 'bad spec')} (see errors)")
    if n["skipped"]:
        parts.append(f"{n['skipped']} skipped")
    verdict = "passed" if run.passed else "FAILED"
    deployed = f" (as {run.runtime} deploys them)" if run.runtime != "eager" else ""
    return f"cnncalc check {verdict}{deployed}: " + ", ".join(parts)


class Lines:
    """The text lines of a run, one spec at a time, so that `check` can print each spec's result as soon as it
    is known (a run over 500 specs shows progress). Columns are aligned over the whole run: the spec column
    is as wide as the longest path given, the others start at a usual width and widen when a longer text comes
    (lines already printed cannot move)."""

    def __init__(self, specs, warn_at: Optional[Fraction] = None, width: int = 0):
        self.warn_at, self.width = warn_at, width      # width: of the terminal (0: no wrapping)
        self.widths = [4, max([len(shown(s)) for s in specs] + [1]), max(len(k) for k in BUDGET_KEYS), 13, 15, 30]

    def of(self, result) -> list[str]:
        """The lines of one SpecResult: a line per limit, then SKIP and notes."""
        lines = []
        for check in result.checks:
            cells = _row(check, self.warn_at)
            self.widths = [max(width, len(cell)) for width, cell in zip(self.widths, cells)]
            padded = [cell.rjust(width) if i == 3 else cell.ljust(width)
                      for i, (cell, width) in enumerate(zip(cells, self.widths))]
            line = "  ".join(padded + [cells[-1]]).rstrip()
            if self.width and len(line) > self.width:     # result, spec and metric; the figures below them
                head = "  ".join(cell for cell in cells[:3] if cell)
                lines += [head, *fmt.fit("      " + "  ".join(c.strip() for c in cells[3:] if c.strip()),
                                         self.width, "      ")]
            else:
                lines.append(line)
        if result.skipped:
            lines.append(shown(f"SKIP  {result.spec}: {result.skipped}"))
        lines += [part for n in result.notes for part in fmt.fit(shown(f"note: {n}"), self.width, "  ")]
        return lines

    def end(self, run: CheckRun) -> list[str]:
        """The closing lines: the run's notes and the summary."""
        return [shown(f"note: {n}") for n in run.notes] + [summary(run)]


def text(run: CheckRun, warn_at: Optional[Fraction] = None) -> str:
    """One line per spec × limit, columns aligned: result, spec, metric, actual, limit, headroom, source."""
    lines = Lines([r.spec for r in run.results], warn_at)
    out = [line for result in run.results for line in lines.of(result)] + lines.end(run)
    return "\n".join(out) + "\n"


ICONS = {"PASS": "✅", "WARN": "⚠️", "FAIL": "❌"}


def _where(error) -> str:
    loc = error.location
    where = f"{loc.file}:{loc.line}" if loc and loc.line else (loc.file if loc else "")
    return where + (f", layer '{error.layer}'" if error.layer else "")


def markdown(run: CheckRun, warn_at: Optional[Fraction] = None) -> str:
    """A heading with the verdict, the limits' table, the bad specs in a table of their own (an error is not
    a limit: it has no actual, limit or headroom), and the summary line with the JSON summary's counts."""
    lines = [f"### cnncalc check: {'passed' if run.passed else 'FAILED'}", ""]
    rows = [(ICONS[r[0]], md_code(r[1])) + r[2:-1] + (md_text(r[-1]),) for r in _rows(run, warn_at)]
    if rows:
        lines += document.md_table(["", "Spec", "Metric", "Actual", "Limit", "Headroom", "Limit from"], "lllrrll",
                                   rows) + [""]
    if run.errors:
        errors = [("❌", md_code(r.spec), md_text(_where(r.error)), md_text(r.error.message)) for r in run.errors]
        lines += ["Bad specs, not checked:", ""] + document.md_table(["", "Spec", "Where", "Error"], "llll",
                                                                     errors) + [""]
    return "\n".join(lines + [document.bold(summary(run)), ""])


def check_dict(run: CheckRun, warn_at: Optional[Fraction] = None) -> dict:
    names = {r.spec: r.name for r in run.results}
    checks = run.checks
    deployed = {"runtime": run.runtime} if run.runtime != "eager" else {}     # absent: eager, as before
    return document.envelope(SCHEMA, {
        **deployed,
        "passed": run.passed,
        "exit_code": int(run.exit_code),
        "dtype": run.dtype,
        "batch": run.batch,
        "warn_at": fmt.exact(warn_at),
        "checks": [
            {
                "spec": c.spec,
                "name": names.get(c.spec),
                "metric": c.metric,
                "unit": BY_KEY[c.metric].kind,      # count, bytes, or seconds (integers, fmt.in_units)
                **fmt.in_units({"actual": c.actual, "limit": c.limit.value, "headroom": c.headroom,
                                "baseline": c.limit.baseline}),
                "passed": c.passed,
                "near_limit": near(c, warn_at),
                "source": c.limit.source,
                "origin": c.limit.origin,
                "file": c.limit.location.file if c.limit.location else None,
                "line": c.limit.location.line if c.limit.location else None,
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
        "summary": counts(run),
    })


def check_json(run: CheckRun, warn_at: Optional[Fraction] = None) -> str:
    return document.to_json(check_dict(run, warn_at))


def check_csv(run: CheckRun, warn_at: Optional[Fraction] = None) -> str:
    """One row per spec × limit, the JSON's fields numbers exact (a time as a fraction of seconds, 41/500000), and
    one row per spec that could not be checked (status ``error``, its message in ``origin``)."""
    names = {r.spec: r.name for r in run.results}
    rows = [(("WARN" if near(c, warn_at) else "PASS") if c.passed else "FAIL", c.spec, names.get(c.spec) or "",
             c.metric, BY_KEY[c.metric].kind, str(c.actual), str(c.limit.value), str(c.headroom),
             c.limit.source, c.limit.origin) for c in run.checks]
    rows += [("ERROR", r.spec, "", "", "", "", "", "", "", str(r.error)) for r in run.errors]
    return document.csv_text(("status", "spec", "name", "metric", "unit", "actual", "limit", "headroom", "source",
                              "origin"), rows)


# ----------------------------------------------------------------------------- GitHub Actions

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(file: str, line, column, message: str, level: str = "error") -> str:
    props = [f"file={_escape_property(file)}"]
    if line:
        props.append(f"line={line}")
        if column:
            props.append(f"col={column}")
    props.append("title=cnncalc check")
    message = "\n".join(shown(line) for line in message.split("\n"))     # newlines are escaped as %0A
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def workflow_commands(run: CheckRun, warn_at: Optional[Fraction] = None) -> list[str]:
    """'::error file=PATH,line=N::message' for every failed check (at the budget line when the limit is
    in the spec, else at the spec) and every bad spec (at the error's location); '::warning ...' for a check
    that passes at ``warn_at`` of its limit or more."""
    out = []
    for c in run.checks:
        if c.passed and not near(c, warn_at):
            continue
        kind = BY_KEY[c.metric].kind
        loc = c.limit.location if c.limit.location and c.limit.location.file == c.spec else None
        if c.passed:
            message = (f"{c.metric} {value_text(c.actual, kind)} is near the limit {value_text(c.limit.value, kind)} "
                       f"({c.limit.origin}): {headroom_text(c)}")
            out.append(_annotation(c.spec, loc.line if loc else None, None, message, "warning"))
            continue
        message = (f"{c.metric} {value_text(c.actual, kind)} exceeds the limit {value_text(c.limit.value, kind)} "
                   f"({c.limit.origin}) by {value_text(-c.headroom, kind)}")
        out.append(_annotation(c.spec, loc.line if loc else None, None, message))
    for r in run.errors:
        loc = r.error.location
        file = loc.file if loc and loc.file not in ("<spec>", "<stdin>") else r.spec
        message = f"layer '{r.error.layer}': {r.error.message}" if r.error.layer else r.error.message
        out.append(_annotation(file, loc.line if loc else None, loc.column if loc else None, message))
    return out


# ----------------------------------------------------------------------------- JUnit XML

def junit(run: CheckRun, warn_at: Optional[Fraction] = None) -> str:
    """JUnit XML as CI dashboards read it (Jenkins, GitLab, Azure, the GitHub test-report actions): one
    testsuite per spec, one testcase per limit (a <failure> when exceeded), a bad spec one testcase with an
    <error>, a skipped file one testcase with <skipped>."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="cnncalc check")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for result in run.results:
        # time: the seconds the spec took, on its suite and shared by its cases (its limits are checked together)
        seconds = f"{result.seconds:.3f}"
        suite = ET.SubElement(root, "testsuite", name=shown(result.spec), time=seconds)
        cases = max(1, len(result.checks) + (result.error is not None) + bool(result.skipped))
        case_time = f"{result.seconds / cases:.3f}"
        tally = dict.fromkeys(totals, 0)
        for c in result.checks:
            case = ET.SubElement(suite, "testcase", classname=shown(result.spec), name=c.metric, time=case_time)
            tally["tests"] += 1
            status, _, metric, actual, limit, headroom, origin = _row(c, warn_at)
            if not c.passed:
                tally["failures"] += 1
                failure = ET.SubElement(case, "failure", message=f"{metric} {actual} {limit}: {headroom}",
                                        type="limit exceeded")
                failure.text = f"{metric} {actual} {limit} ({origin}): {headroom}"
            else:
                ET.SubElement(case, "system-out").text = f"{status} {metric} {actual} {limit} ({origin}): {headroom}"
        if result.error is not None:
            case = ET.SubElement(suite, "testcase", classname=shown(result.spec), name="spec", time=case_time)
            tally["tests"] += 1
            tally["errors"] += 1
            ET.SubElement(case, "error", message=str(result.error), type="bad spec").text = str(result.error)
        if result.skipped:
            case = ET.SubElement(suite, "testcase", classname=shown(result.spec), name="spec", time=case_time)
            tally["tests"] += 1
            tally["skipped"] += 1
            ET.SubElement(case, "skipped", message=shown(result.skipped))
        for key, value in tally.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{sum(r.seconds for r in run.results):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
