"""`$`-templates inside blocks: ``$name`` stands for a block argument's value (any type), and an expression
such as ``'$width * 4'`` is integer arithmetic (+ - * // % and parentheses) on ints, nothing else."""

from __future__ import annotations

import ast
import operator
import re

from cnncalc.errors import Location, SpecError, brief, did_you_mean
from cnncalc.spec.yamlsource import MAX_INT, LocDict, LocList

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
        ast.Mod: operator.mod}


def evaluate(expression: str, loc: Location) -> int:
    """Integer arithmetic (+ − * // % and parentheses) on ints, nothing else."""
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0:
                raise SpecError(f"division by zero in '{expression}'", loc)
            return _OPS[type(node.op)](left, right)
        raise SpecError(f"'{expression}' is not integer arithmetic (+ - * // % on ints)", loc)
    if len(expression) > 200:
        raise SpecError("an argument expression is longer than 200 characters", loc)
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SpecError(f"'{expression}' is not a valid expression", loc) from None
    value = walk(tree)
    if abs(value) > MAX_INT:
        raise SpecError(f"'{expression}' is {len(str(abs(value)))} digits long; spec integers are at most 10^18",
                        loc)
    return value


def substitute(value, env: dict, loc: Location):
    """Replace $name (the argument's value, any type) and expressions such as '$width * 4' (ints)."""
    if isinstance(value, str) and "$" in value:
        whole = _VAR.fullmatch(value.strip())
        names = _VAR.findall(value)
        for name in names:
            if name not in env:
                known = ", ".join(f"${n}" for n in env) or "none here"
                raise SpecError(f"unknown argument ${name}{did_you_mean(name, env)}; known: {known}", loc)
        if whole:
            return env[whole.group(1)]
        for name in names:
            if not isinstance(env[name], int) or isinstance(env[name], bool):
                raise SpecError(f"${name} is {brief(env[name])}; only ints can be used in arithmetic", loc)
        return evaluate(_VAR.sub(lambda m: str(env[m.group(1)]), value), loc)
    if isinstance(value, LocDict):
        out = LocDict()
        out.located_like(value)
        for key, item in value.items():
            out[key] = substitute(item, env, value.where(key))
        return out
    if isinstance(value, LocList):
        items = LocList(substitute(item, env, value.where(i)) for i, item in enumerate(value))
        items.located_like(value)
        return items
    return value


def has_dollar(value) -> bool:
    """Whether a `$` appears in any text of the value (so it needs substituting even outside a block)."""
    if isinstance(value, str):
        return "$" in value
    if isinstance(value, dict):
        return any(has_dollar(v) for v in value.values())
    if isinstance(value, list):
        return any(has_dollar(v) for v in value)
    return False
