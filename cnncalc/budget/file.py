"""The budget-file format: ``specs: {path or glob: {metric: limit}}``, paths relative to the budget file,
later entries overriding earlier ones metric by metric (docs/ci.md); its glob matching; the spec files it
names."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Optional

from cnncalc.spec import yamlsource
from cnncalc.budget.engine import BUDGET_FILE, limits_from_mapping
from cnncalc.errors import Location, SpecError, did_you_mean
from cnncalc.record import field, record
from cnncalc.spec import LocDict

BUDGET_FILE_KEYS = ("specs",)


def _glob_regex(pattern: str) -> re.Pattern:
    """A path glob: '*' and '?' within one path part, '**/' any number of directories."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _absolute(path: str) -> str:
    return Path(os.path.abspath(path)).as_posix()


@record
class BudgetEntry:
    pattern: str                                # as written
    absolute: str                               # joined to the budget file's folder
    regex: re.Pattern = field(compare=False)
    limits: dict = field(compare=False)
    location: Optional[Location] = None

    @property
    def is_glob(self) -> bool:
        return any(c in self.pattern for c in "*?")


@record
class BudgetFile:
    path: str
    entries: tuple

    def limits_for(self, spec: str) -> dict:
        """The limits of every entry matching the spec, later entries overriding earlier ones per metric."""
        target = _absolute(spec)
        limits: dict = {}
        for entry in self.entries:
            if entry.regex.fullmatch(target):
                limits.update(entry.limits)
        return limits

    def expand(self) -> tuple[list, list]:
        """The spec files the entries name (globs expanded), as paths relative to the working directory
        where possible, and notes about globs that match nothing."""
        found, notes = [], []
        for entry in self.entries:
            if entry.is_glob:
                root = Path(os.path.dirname(self.path) or ".")
                matched = sorted(p for p in root.glob(entry.pattern) if p.is_file())
                if not matched:
                    notes.append(f"{entry.location}: '{entry.pattern}' matches no file")
                found += [str(p) for p in matched]
            else:
                target = Path(os.path.dirname(self.path) or ".") / entry.pattern
                if not target.is_file():
                    raise SpecError(f"'{entry.pattern}' names no file (looked for {target})", entry.location)
                found.append(str(target))
        return list(dict.fromkeys(_display_path(p) for p in found)), notes


def _display_path(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else Path(relative).as_posix()


def read_budget_file(path: str) -> BudgetFile:
    p = Path(path)
    if p.is_dir():
        raise SpecError("is a directory, not a budget file", Location(path))
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SpecError("no such budget file", Location(path)) from None
    except OSError as err:
        raise SpecError(f"cannot read the budget file: {err.strerror}", Location(path)) from None
    doc = yamlsource.load(data, path)
    here = Location(path, 1, 1)
    example = "specs: {'specs/*.yaml': {params: 25M}}"
    if not isinstance(doc, LocDict):
        raise SpecError(f"a budget file is a mapping such as {example}", getattr(doc, "loc", here))
    for key in doc:
        if key not in BUDGET_FILE_KEYS:
            raise SpecError(f"unknown key '{key}'{did_you_mean(key, BUDGET_FILE_KEYS)} in a budget file; it has "
                            f"{', '.join(BUDGET_FILE_KEYS)}", doc.where(key))
    specs = doc.get("specs")
    if not isinstance(specs, LocDict) or not specs:
        raise SpecError(f"a budget file needs 'specs', a mapping of spec paths or globs to limits: {example}",
                        doc.where("specs") if "specs" in doc else doc.loc)
    base = os.path.dirname(os.path.abspath(path))
    entries = []
    for pattern, limits in specs.items():
        loc = specs.where(pattern)
        if not isinstance(pattern, str) or not pattern.strip():
            raise SpecError("a budget file key is a spec path or glob, such as 'specs/*.yaml'", loc)
        if os.path.isabs(pattern):
            raise SpecError(f"'{pattern}': write paths relative to the budget file", loc)
        absolute = Path(os.path.normpath(os.path.join(base, pattern))).as_posix()
        entries.append(BudgetEntry(pattern, absolute, _glob_regex(absolute),
                                   limits_from_mapping(limits, BUDGET_FILE, path, loc), loc))
    return BudgetFile(path, tuple(entries))


