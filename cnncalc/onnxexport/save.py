"""Writing an exported ONNX model to a file, with the one-line errors of the CLI."""

from __future__ import annotations

from typing import Optional

from cnncalc.errors import CnncalcError

EXTRA_HINT = "writing an ONNX model needs the onnx extra: pip install 'cnncalc[onnx]'"


def require_onnx() -> None:
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise CnncalcError(EXTRA_HINT) from None


def save_onnx(spec, path: Optional[str], seed: int = 0) -> None:
    """Write ``spec`` as an ONNX model to ``path`` (required: a model is binary), checked by onnx.checker."""
    if not path:
        raise CnncalcError("--to onnx writes a binary model: give the file with -o FILE")
    require_onnx()
    import onnx

    from cnncalc.analysis import analyze
    from cnncalc.onnxexport import export
    exported = export(spec, analyze(spec), seed)
    onnx.checker.check_model(exported.model, full_check=True)
    try:
        onnx.save(exported.model, path)
    except OSError as err:
        raise CnncalcError(f"cannot write {path}: {err.strerror}") from None
