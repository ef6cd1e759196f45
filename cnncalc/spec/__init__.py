"""The spec language (docs/spec.md): YAML text → a validated layer graph. One module per job:

* ``yamlsource``: YAML with safe_load semantics that keeps every value's file:line:column, the reading
  limits, and whether a YAML file is meant as a spec at all;
* ``templates``: ``$argument`` substitution (spec and block arguments, ``$input.…``, ``$repeat.…``, ``$block.…``,
  a ``$name`` key naming a type), ``if:`` and ``repeat: 0``;
* ``expressions``: the safe, exact evaluator of expressions (fractions, min, max, round, make_divisible, …);
* ``entries``: one layer entry of the YAML → an ``Entry`` record;
* ``definitions``: the spec's ``blocks:`` and ``defaults:``;
* ``scopes``: scopes, automatic names, and which node a ``from:`` name means (forward references too);
* ``assembly``: entries → graph nodes (blocks expanded, branches and ``repeat`` unrolled, limits enforced);
* ``ties``: ``share:`` (tied weights): which node's weights an entry reuses, and that a written tie matches it;
* ``references``: a forward ``from:`` and a ``like:`` shape reference, resolved once their layers exist;
* ``inherit``: ``extends:`` and ``imports:``: the documents a spec builds on, read within its folder and limits,
  merged into one before anything is built;
* ``document``: the top-level keys → ``Spec``; ``read_spec`` and ``parse_spec``.

Every error is a ``SpecError`` with file:line:column and, once known, the layer path.
"""

from cnncalc.errors import Location
from cnncalc.spec.document import ReadLimits, Spec, parse_spec, read_spec
from cnncalc.spec.yamlsource import MAX_INT, LocDict, LocList, is_spec

__all__ = ["LocDict", "LocList", "Location", "MAX_INT", "ReadLimits", "Spec", "is_spec", "parse_spec",
           "read_spec"]
