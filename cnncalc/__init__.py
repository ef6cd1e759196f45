"""cnncalc: exact, framework-free arithmetic of convolutional networks.

The Python API (docs/api.md)::

    import cnncalc
    report = cnncalc.analyze("zoo:resnet50")
    report.totals.params                    # 25557032

The API's names are imported on first use, so the command line pays nothing for them.
"""

__version__ = "0.1.0"

__all__ = ["analyze", "compare", "check", "read", "family", "Family", "Report", "Comparison", "CheckResult", "SpecError",
           "CnncalcError", "__version__"]

_FROM = {"SpecError": "cnncalc.errors", "CnncalcError": "cnncalc.errors", "family": "cnncalc.families",
         "Family": "cnncalc.families"}


def __getattr__(name: str):
    if name in __all__ and name != "__version__":
        import importlib
        value = getattr(importlib.import_module(_FROM.get(name, "cnncalc.api")), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
