"""cnncalc.record: dataclass-like records without generated code."""

from __future__ import annotations

from typing import ClassVar

import pytest

from cnncalc.record import FrozenInstanceError, field, fields, record, replace


@record
class Base:
    a: int
    b: int = 2
    kind: ClassVar[str] = "base"


@record
class Child(Base):
    b: int = 5                                  # redefined: keeps its place, new default
    c: list = field(default_factory=list)
    note: str = field(default="", compare=False)


def test_fields_defaults_and_order():
    assert [f.name for f in fields(Child)] == ["a", "b", "c", "note"]
    child = Child(a=1)
    assert (child.a, child.b, child.c, child.note) == (1, 5, [], "")
    assert Child(a=1).c is not Child(a=1).c      # a fresh default each time
    assert Base(1).b == 2 and Base.kind == "base"


def test_required_and_unknown_arguments():
    with pytest.raises(TypeError):
        Base()
    with pytest.raises(TypeError):
        Base(a=1, z=3)


def test_equality_hash_and_compare_flag():
    assert Base(1, 2) == Base(a=1, b=2) and hash(Base(1, 2)) == hash(Base(a=1, b=2))
    assert Base(1, 2) != Base(1, 3)
    assert Child(a=1, note="x") == Child(a=1, note="y")     # note is not compared
    assert Base(a=1, b=5) != Child(a=1)                     # different classes


def test_frozen_and_mutable():
    with pytest.raises(FrozenInstanceError):
        Base(1).a = 2

    @record(frozen=False)
    class Box:
        n: int = 0
    box = Box()
    box.n = 3
    assert box.n == 3


def test_replace_and_repr():
    assert replace(Base(1), b=9) == Base(1, 9)
    assert repr(Base(1)) == "Base(a=1, b=2)"


def test_check_compare_and_metrics_are_records():
    # `cnncalc analyze` on a spec with a budget imports cnncalc.budget.engine (and through it metrics); compare's
    # results are built the same way: no module of the analysis path generates code with dataclasses
    import ast
    from pathlib import Path

    from cnncalc import comparison as compare, metrics
    from cnncalc.budget import engine as check
    from cnncalc.budget import file as budget_file
    for module in (check, budget_file, compare, metrics):
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert "dataclasses" not in imported, module.__name__
    request = check.Request(specs=("a.yaml",))
    assert [f.name for f in fields(request)][:3] == ["specs", "option_limits", "budget_file"]
    assert request.option_limits == {} and request.option_limits is not check.Request(specs=()).option_limits
    with pytest.raises(FrozenInstanceError):
        request.batch = 2
    # BudgetEntry compares without its compiled pattern and limits (compare=False)
    a = budget_file.BudgetEntry("x.yaml", "/x.yaml", budget_file._glob_regex("/x.yaml"), {"params": 1})
    b = budget_file.BudgetEntry("x.yaml", "/x.yaml", budget_file._glob_regex("/y.yaml"), {})
    assert a == b and hash(a) == hash(b)
    assert replace(compare.Change(3, 4), value=6).delta == 3


@record(slots=True)
class Slotted:
    a: int
    b: int = 2
    c: dict = field(default_factory=dict, compare=False)
    k: ClassVar[int] = 7

    @property
    def total(self) -> int:
        return self.a + self.b


def test_slots_records_have_no_instance_dict_and_keep_the_semantics():
    s = Slotted(1)
    assert not hasattr(s, "__dict__") and Slotted.__slots__ == ("a", "b", "c")
    assert (s.a, s.b, s.c, s.total, Slotted.k) == (1, 2, {}, 3, 7)
    assert s.c is not Slotted(1).c                              # a fresh default per instance
    assert s == Slotted(1, 2, {"x": 1}) and hash(s) == hash(Slotted(1, c={"y": 2}))   # c not compared
    assert s != Slotted(1, 3)
    assert replace(s, b=5) == Slotted(1, 5) and repr(s) == "Slotted(a=1, b=2, c={})"
    assert [f.name for f in fields(Slotted)] == ["a", "b", "c"]
    with pytest.raises(FrozenInstanceError):
        s.a = 2
    with pytest.raises(TypeError, match="needs 'a'"):
        Slotted()
    # past the HOT count the compiled __init__ takes over, with the same defaults and checks
    made = [Slotted(i, b=i) for i in range(100)]
    assert made[-1] == Slotted(99, 99) and Slotted(4).b == 2 and Slotted.__init__.__name__ == "__init__"
    with pytest.raises(TypeError, match="needs 'a'"):
        Slotted(b=1)


def test_hot_analysis_records_are_slotted():
    from cnncalc.analysis import Row
    from cnncalc.graph import Node
    from cnncalc.rf import AxisRF
    from cnncalc.spec.entries import Entry
    from cnncalc.errors import Location
    for cls in (Row, Node, AxisRF, Entry, Location):
        assert "__slots__" in cls.__dict__ and "__dict__" not in cls.__dict__, cls.__name__
