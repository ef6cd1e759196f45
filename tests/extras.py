"""The optional tools some tests need, and the one skip reason each: a test that needs PyTorch, torchvision or Graphviz
skips with how to install it when the tool is missing (every other test runs without them)."""

from __future__ import annotations

import shutil

import pytest

TORCH_MISSING = "PyTorch is not installed: it comes with the optional parity extra, pip install -e '.[test,parity]'"
TORCHVISION_MISSING = ("torchvision is not installed: it comes with the optional torchvision extra, "
                       "pip install -e '.[test,torchvision]' (torch 2.14.1, torchvision 0.29.1)")
DOT_MISSING = ("Graphviz's dot is not on PATH: install Graphviz (apt-get install graphviz, brew install graphviz); "
               ".ci/run installs it")


def require_torch():
    """The torch module, or skip the calling test (or, at module level, the whole module)."""
    __tracebackhide__ = True            # the skip is reported at the caller's line
    return pytest.importorskip("torch", reason=TORCH_MISSING)


def require_torchvision():
    """The torchvision module, or skip the calling test (or, at module level, the whole module)."""
    __tracebackhide__ = True
    return pytest.importorskip("torchvision", reason=TORCHVISION_MISSING)


def require_dot() -> str:
    """The path of Graphviz's dot, or skip the calling test."""
    __tracebackhide__ = True
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip(DOT_MISSING)
    return dot


ONNXRUNTIME_MISSING = ("onnxruntime is not installed: it comes with the test and onnxruntime extras, "
                       "pip install -e '.[test]'")


def require_onnxruntime():
    """The onnxruntime module, or skip the calling test."""
    __tracebackhide__ = True
    return pytest.importorskip("onnxruntime", reason=ONNXRUNTIME_MISSING)


TIMM_MISSING = ("timm is not installed: it is no dependency of cnncalc; pip install timm==1.0.31 beside torch 2.14.1 "
                "and torchvision 0.29.1 (pip install -e '.[test,torchvision]')")


def require_timm():
    """The timm module, or skip the calling test (or, at module level, the whole module)."""
    __tracebackhide__ = True
    return pytest.importorskip("timm", reason=TIMM_MISSING)
