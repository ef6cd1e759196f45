"""Expressions of the spec language (docs/spec.md, "Expressions"): a safe walk of Python's expression syntax
tree (no ``eval``), on exact numbers (ints and ``fractions.Fraction``), true/false and text.

``+ - * / // %`` (``/`` exact), comparisons, ``and or not`` (on true/false), ``X if C else Y``, and the
functions min, max, round (Python's: half to even), floor, ceil and make_divisible (torchvision's
``_make_divisible``). A YAML float in an expression is the exact fraction of its decimal text (1.2 → 6/5).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from fractions import Fraction
from typing import Callable

from cnncalc.errors import Location, SpecError, brief
from cnncalc.spec.yamlsource import MAX_INT

MAX_LENGTH = 200                     # characters of one expression
_NUMBER = (int, Fraction)
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
               ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_WORDS = {"true": True, "false": False}


class Computed(Fraction):
    """A result of an expression that is not a whole number: a Fraction that remembers its expression, so
    that a layer argument that must be an int says which expression gave what."""

    __slots__ = ("expression",)
    expression: str

    def __repr__(self) -> str:
        return f"'{self.expression}' = {number_text(self)}"


def computed(value: Fraction, expression: str) -> Computed:
    out = Computed(value)
    out.expression = expression
    return out


def number_text(value) -> str:
    """An exact number for a message: 38.4, 1/3 (≈0.3333)."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:                        # a terminating decimal: written exactly
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        whole = int(value * 10**digits)
        sign, whole = ("-" if whole < 0 else ""), abs(whole)
        text = str(whole).rjust(digits + 1, "0")
        return f"{sign}{text[:-digits]}.{text[-digits:]}"
    return f"{value.numerator}/{value.denominator} (≈{float(value):.4g})"


def exact(value):
    """A value as expressions see it: a float becomes the fraction of its shortest decimal text (the text a
    YAML float was written as, up to 15 significant digits); ints, Fractions, bools and text stay."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return Fraction(repr(value))
    return value


def make_divisible(v, divisor, min_value=None) -> int:
    """torchvision's ``_make_divisible``: ``v`` rounded to the nearest multiple of ``divisor`` (halves up), at
    least ``min_value`` (default ``divisor``), and one more ``divisor`` if rounding lost more than 10 % of v.
    Exact: ``0.9·v`` is 9/10 of v, not a float product."""
    if min_value is None:
        min_value = divisor
    new = max(min_value, int(v + Fraction(divisor, 2)) // divisor * divisor)
    if new < Fraction(9, 10) * v:
        new += divisor
    return new


def _is_number(value) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if _is_number(value):
        return "a number"
    if isinstance(value, str):
        return "text"
    return brief(value)


def evaluate(text: str, loc: Location, names: Callable[[str], object] | None = None, shown: str = ""):
    """The value of an expression in which ``$name`` has been replaced by placeholders: ``names(placeholder)``
    gives each one's value. ``shown``: the expression as written (for messages); default ``text``."""
    shown = shown or text

    def fail(message: str):
        return SpecError(message, loc)

    def number(value, what: str):
        if not _is_number(value):
            raise fail(f"{what} in '{shown}' needs a number, got {_kind(value)} ({brief(value)})")
        return value

    def boolean(value, what: str):
        if not isinstance(value, bool):
            raise fail(f"{what} in '{shown}' needs true or false, got {_kind(value)} ({brief(value)})")
        return value

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or value is None:
                raise fail(f"'{shown}': write true and false in lower case; there is no None")
            if isinstance(value, int):
                return value
            if isinstance(value, float):
                return _decimal(ast.get_source_segment(source, node) or "", value)
            if isinstance(value, str):
                return value
            raise fail(f"'{shown}' has a constant expressions do not take: {brief(value)}")
        if isinstance(node, ast.Name):
            if node.id in _WORDS:
                return _WORDS[node.id]
            if names is not None and node.id.startswith("__v"):
                return names(node.id)
            raise fail(f"'{shown}': unknown name '{node.id}' (arguments are written $name; functions: "
                       f"{', '.join(FUNCTIONS)})")
        if isinstance(node, ast.UnaryOp):
            operand = walk(node.operand)
            if isinstance(node.op, ast.Not):
                return not boolean(operand, "'not'")
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                value = number(operand, "a sign")
                return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = number(walk(node.left), "arithmetic"), number(walk(node.right), "arithmetic")
            if right == 0 and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
                raise fail(f"division by zero in '{shown}'")
            if isinstance(node.op, ast.Div) and isinstance(left, int) and isinstance(right, int):
                return Fraction(left, right)
            return _ARITHMETIC[type(node.op)](left, right)
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            for item in node.values:
                value = boolean(walk(item), "'and'" if is_and else "'or'")
                if value is not is_and:
                    return value
            return is_and
        if isinstance(node, ast.Compare):
            left = walk(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = walk(right_node)
                if isinstance(op, (ast.Eq, ast.NotEq)):
                    same = _kind(left) == _kind(right) and left == right
                    holds = same if isinstance(op, ast.Eq) else not same
                elif type(op) in _ORDER:
                    if not ((_is_number(left) and _is_number(right))
                            or (isinstance(left, str) and isinstance(right, str))):
                        raise fail(f"'{shown}' compares {_kind(left)} with {_kind(right)}")
                    holds = _ORDER[type(op)](left, right)
                else:
                    raise fail(f"'{shown}': expressions compare with == != < <= > >= only")
                if not holds:
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return walk(node.body) if boolean(walk(node.test), "'if'") else walk(node.orelse)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            name = node.func.id
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                raise fail(f"'{shown}': {name}() takes plain arguments")
            args = [walk(a) for a in node.args]
            keywords = {k.arg: walk(k.value) for k in node.keywords}
            return _call(name, args, keywords, shown, loc)
        raise fail(f"'{shown}' is not an expression cnncalc evaluates (numbers, + - * / // %, comparisons, "
                   f"and/or/not, X if C else Y, {', '.join(FUNCTIONS)})")

    if len(shown) > MAX_LENGTH:
        raise fail(f"an expression is longer than {MAX_LENGTH} characters")
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise fail(f"'{shown}' is not a valid expression") from None
    value = walk(tree)
    if _is_number(value):
        if isinstance(value, Fraction) and value.denominator == 1:
            value = int(value)
        if abs(value) > MAX_INT or (isinstance(value, Fraction) and value.denominator > MAX_INT):
            size = abs(value) if isinstance(value, int) else max(abs(value.numerator), value.denominator)
            raise fail(f"'{shown}' is {len(str(size))} digits long; spec integers are at most 10^18 (a "
                       f"fraction's parts too)")
        if isinstance(value, Fraction):
            value = computed(value, shown)
    return value


def _decimal(written: str, value: float) -> Fraction:
    """A float literal as the exact fraction of its text (1.2 → 6/5)."""
    try:
        return Fraction(written.replace("_", ""))
    except ValueError:
        return Fraction(repr(value))


def _call(name: str, args: list, keywords: dict, shown: str, loc: Location):
    def fail(message: str):
        return SpecError(f"'{shown}': {message}", loc)
    if name == "make_divisible":
        unknown = set(keywords) - {"min_value"}
        if unknown or not 2 <= len(args) + len(keywords) <= 3 or (len(args) == 3 and keywords):
            raise fail("make_divisible takes (value, divisor) or (value, divisor, min_value)")
        value, divisor, *rest = args
        low = rest[0] if rest else keywords.get("min_value")
        if not _is_number(value):
            raise fail(f"make_divisible's value must be a number, got {brief(value)}")
        if not isinstance(divisor, int) or isinstance(divisor, bool) or divisor < 1:
            raise fail(f"make_divisible's divisor must be a positive int, got {brief(divisor)}")
        if low is not None and not (isinstance(low, int) and not isinstance(low, bool)):
            raise fail(f"make_divisible's min_value must be an int, got {brief(low)}")
        return make_divisible(value, divisor, low)
    if keywords:
        raise fail(f"{name}() takes no keyword arguments")
    for value in args:
        if not _is_number(value):
            raise fail(f"{name}() takes numbers, got {_kind(value)} ({brief(value)})")
    if name in ("min", "max"):
        if len(args) < 2:
            raise fail(f"{name}() needs two or more numbers")
        return (min if name == "min" else max)(args)
    if name == "round":
        if len(args) == 2 and isinstance(args[1], int) and abs(args[1]) <= 18:
            return round(args[0], args[1])
        if len(args) != 1:
            raise fail("round takes (value) or (value, digits), digits an int of at most 18")
        return round(args[0])
    if len(args) != 1:
        raise fail(f"{name}() takes one number")
    return math.floor(args[0]) if name == "floor" else math.ceil(args[0])


FUNCTIONS = ("min", "max", "round", "floor", "ceil", "make_divisible")
