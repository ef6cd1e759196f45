"""A tabulated family: the spec's ``variants:`` table, one row of argument values per named variant, chosen by
the spec's ``variant`` argument (``--set variant=y_400mf``), as docs/spec.md, "Variants", describes."""

from __future__ import annotations

from collections.abc import Mapping

from cnncalc.errors import SpecError, brief, did_you_mean
from cnncalc.spec.yamlsource import LocDict

CHOOSER = "variant"


def with_variant(doc: LocDict, args: LocDict, overrides: Mapping) -> Mapping:
    """``overrides`` with the chosen row of ``variants:`` added under them: the row's values replace the
    arguments' defaults, and a value given with --set replaces the row's. No ``variants:``, no change."""
    table = doc.get("variants")
    if table is None:
        return overrides
    here = doc.where("variants")
    if not isinstance(table, LocDict) or not table:
        raise SpecError("'variants' must be a mapping of variant name → {argument: value, ...}", here)
    if CHOOSER not in args:
        raise SpecError(f"a spec with 'variants' needs an argument '{CHOOSER}' (its default: one of the "
                        f"variants) to choose the row", here)
    for name, row in table.items():
        if not isinstance(name, str):
            raise SpecError(f"variant name {brief(name)} must be text", table.where(name))
        if not isinstance(row, LocDict):
            raise SpecError(f"variant '{name}' must be a mapping of argument → value", table.where(name))
        for key in row:
            if key not in args or key == CHOOSER:
                raise SpecError(f"variant '{name}' sets '{key}', which is not one of the spec's args"
                                f"{did_you_mean(str(key), [a for a in args if a != CHOOSER])}", row.where(key))
    chosen = overrides.get(CHOOSER, args[CHOOSER])
    if chosen not in table:
        where = "--set variant" if CHOOSER in overrides else "the default variant"
        raise SpecError(f"{where}: no variant {brief(chosen)}{did_you_mean(str(chosen), list(table))}; the "
                        f"variants: {', '.join(table)}", here if CHOOSER in overrides else args.where(CHOOSER))
    return {**table[chosen], **overrides}
