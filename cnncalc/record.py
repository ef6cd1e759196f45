"""Small immutable records, declared like dataclasses but built without generating code.

`dataclasses` writes and compiles `__init__`, `__eq__`, `__repr__` ... for every class, about a quarter of
a millisecond each; the analysis path declares some forty such classes, and that compile time was a large
part of `cnncalc analyze`'s start-up (docs/performance.md). A record class shares one generic
implementation of each method instead. Semantics kept from dataclasses, as far as cnncalc uses them:

* fields are the annotated class attributes, base classes' first; ``ClassVar`` annotations are not fields;
* a field's default is its class attribute, or ``field(default=..., default_factory=..., metadata=...,
  compare=...)``; a field without a default is required;
* instances are frozen unless ``@record(frozen=False)``; equality and hashing compare the fields (those with
  ``compare=True``) and the class; ``repr`` lists the fields;
* ``fields(cls_or_instance)`` and ``replace(instance, **changes)`` as in dataclasses;
* ``@record(slots=True)``, as in dataclasses, makes a new class whose own fields are ``__slots__`` (no
  per-instance ``__dict__``: a third of the memory for the records a big spec makes by the hundred thousand);
  its defaults then live in its fields only, not as class attributes.

A class that is instantiated often (a 100,000-layer spec makes millions of records) gets a specialised
``__init__`` compiled after its first ``HOT`` instances, so only the classes a big spec really uses pay for
code generation, and a small spec pays for none. Type checkers see ``record`` as a dataclass transform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    try:
        from typing import dataclass_transform
    except ImportError:           # Python 3.10: a no-op, it only informs type checkers
        def dataclass_transform(**_kwargs):
            return lambda decorated: decorated

HOT = 64

MISSING = type("MISSING", (), {"__repr__": lambda self: "MISSING"})()


class FrozenInstanceError(AttributeError):
    pass


class Field:
    __slots__ = ("name", "default", "default_factory", "metadata", "compare")

    def __init__(self, default=MISSING, default_factory=MISSING, metadata=None, compare=True):
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.metadata = metadata or {}
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: Any = MISSING, default_factory: Any = MISSING, metadata: Any = None,
          compare: bool = True) -> Any:
    return Field(default, default_factory, metadata, compare)


def fields(obj: Any) -> tuple:
    holder: Any = obj if isinstance(obj, type) else type(obj)
    return holder.__record_fields__


def replace(obj, **changes):
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    values.update(changes)
    return type(obj)(**values)


def _is_classvar(annotation) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _init(self, *args, **kwargs):
    cls = type(self)
    cls.__record_uses__ += 1
    if cls.__record_uses__ == HOT and cls.__init__ is _init:
        cls.__init__ = _compiled_init(cls)
    names = self.__record_names__
    if len(args) > len(names):
        raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional arguments")
    values = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in self.__record_index__:
            raise TypeError(f"{type(self).__name__} got an unexpected argument '{key}'")
        if key in values:
            raise TypeError(f"{type(self).__name__} got two values for '{key}'")
        values[key] = value
    put = object.__setattr__
    for f in self.__record_fields__:
        if f.name in values:
            put(self, f.name, values[f.name])
        elif f.default is not MISSING:
            put(self, f.name, f.default)
        elif f.default_factory is not MISSING:
            put(self, f.name, f.default_factory())
        else:
            raise TypeError(f"{type(self).__name__} needs '{f.name}'")
    post = getattr(self, "__post_init__", None)
    if post is not None:
        post()


def _compiled_init(cls) -> Callable:
    """An ``__init__`` written for ``cls``'s fields: the same arguments, defaults and checks as :func:`_init`."""
    fields_ = cls.__record_fields__
    env: dict[str, Any] = {"_M": MISSING, "_put": object.__setattr__, "_cls_name": cls.__name__}
    params, body = [], []
    for i, f in enumerate(fields_):
        params.append(f"{f.name}=_M")
        body.append(f"    if {f.name} is _M:")
        if f.default is not MISSING:
            env[f"_d{i}"] = f.default
            body.append(f"        {f.name} = _d{i}")
        elif f.default_factory is not MISSING:
            env[f"_f{i}"] = f.default_factory
            body.append(f"        {f.name} = _f{i}()")
        else:
            body.append(f"        raise TypeError(_cls_name + \" needs '{f.name}'\")")
        body.append(f"    _put(self, {f.name!r}, {f.name})")
    if getattr(cls, "__post_init__", None) is not None:
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(compile(source, f"<record {cls.__name__}>", "exec"), env)
    return env["__init__"]


def _key(self) -> tuple:
    return tuple(getattr(self, name) for name in self.__record_compared__)


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _key(self) == _key(other)


def _hash(self):
    return hash((self.__class__, _key(self)))


def _repr(self) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_names__)
    return f"{type(self).__name__}({inner})"


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field '{name}' of a frozen {type(self).__name__}")


def _with_slots(cls):
    """A copy of ``cls`` whose own annotated fields are slots (their defaults move into their Fields)."""
    namespace = dict(cls.__dict__)
    own = [name for name, annotation in namespace.get("__annotations__", {}).items()
           if not _is_classvar(annotation)]
    for name in own:
        value = namespace.pop(name, MISSING)
        if not isinstance(value, Field):
            value = Field(default=value)
        namespace.setdefault("__record_defaults__", {})[name] = value
    namespace["__slots__"] = tuple(own)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    return type(cls)(cls.__name__, cls.__bases__, namespace)


T = TypeVar("T", bound=type)


@overload
def record(cls: T, *, frozen: bool = True, slots: bool = False) -> T: ...


@overload
def record(cls: None = None, *, frozen: bool = True, slots: bool = False) -> Callable[[T], T]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls=None, *, frozen=True, slots=False):
    """Class decorator: make ``cls`` a record (see the module's documentation)."""
    def wrap(cls):
        if slots:
            cls = _with_slots(cls)
        found: dict[str, Field] = {}
        for base in reversed(cls.__mro__[1:]):
            for f in base.__dict__.get("__record_fields__", ()):
                found[f.name] = f
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if _is_classvar(annotation):
                continue
            moved = cls.__dict__.get("__record_defaults__", {})
            if name in moved:            # a slots class: its default is kept in its Field only
                f = moved[name]
                f.name = name
                found[name] = f
                continue
            value = cls.__dict__.get(name, MISSING)
            f = value if isinstance(value, Field) else Field(default=value)
            f.name = name
            if isinstance(value, Field):
                if f.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, f.default)
            found[name] = f
        cls.__record_fields__ = tuple(found.values())
        cls.__record_names__ = tuple(found)
        cls.__record_index__ = frozenset(found)
        cls.__record_compared__ = tuple(f.name for f in found.values() if f.compare)
        cls.__record_uses__ = 0
        cls.__init__ = _init
        cls.__repr__ = _repr
        cls.__eq__ = _eq
        if frozen:
            cls.__hash__ = _hash
            cls.__setattr__ = _frozen_setattr
            cls.__delattr__ = _frozen_setattr
        else:
            cls.__hash__ = None
        return cls
    return wrap if cls is None else wrap(cls)
