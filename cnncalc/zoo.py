"""The specs that ship with cnncalc: ``zoo:NAME`` (published networks) and ``seed:NAME`` (the textbook's
small examples), readable wherever cnncalc is installed.

In the repository they live in specs/zoo and specs/seed (the one copy, which tests, docs and users of the
repository name by path); a wheel carries them as cnncalc/specs/ (setup.py copies them when it builds).
"""

from __future__ import annotations

import os

from cnncalc.errors import SpecError, did_you_mean

NAMESPACES = ("zoo", "seed")
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def root() -> str:
    """The folder holding zoo/ and seed/: the installed package's specs/, else the repository's."""
    installed = os.path.join(_PACKAGE, "specs")
    return installed if os.path.isdir(installed) else os.path.join(os.path.dirname(_PACKAGE), "specs")


def is_shipped(text: str) -> bool:
    """Whether ``text`` names a shipped spec (``zoo:resnet50``) rather than a file."""
    namespace, colon, _ = text.partition(":")
    return bool(colon) and namespace in NAMESPACES


def names(namespace: str | None = None) -> list[str]:
    """Every shipped spec as ``namespace:name``, sorted (one namespace's only, when given)."""
    found: list[str] = []
    for space in NAMESPACES if namespace is None else (namespace,):
        folder = os.path.join(root(), space)
        if os.path.isdir(folder):
            found.extend(f"{space}:{entry[:-5]}" for entry in sorted(os.listdir(folder)) if entry.endswith(".yaml"))
    return found


def path(text: str) -> str:
    """The file of a shipped spec named ``zoo:NAME`` or ``seed:NAME`` (``.yaml`` may be written)."""
    namespace, _, name = text.partition(":")
    if name.endswith(".yaml"):
        name = name[:-5]
    file = os.path.join(root(), namespace, name + ".yaml")
    if not name or "/" in name or os.sep in name or not os.path.isfile(file):
        known = names(namespace)
        raise SpecError(f"no shipped spec '{text}'{did_you_mean(text, known)}; `cnncalc zoo` lists them: "
                        f"{', '.join(known)}")
    return file
