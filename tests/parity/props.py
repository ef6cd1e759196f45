"""What the property tests share: their settings, and writing one layer as a spec."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from cnncalc.analysis import analyze
from cnncalc.errors import SpecError
from cnncalc.spec import parse_spec

# several hundred cases per property, every run (CI included; CNNCALC_PROPERTY_EXAMPLES raises it for a
# deeper local search); no deadline: torch's first call is slow
PROPERTY = settings(max_examples=int(os.environ.get("CNNCALC_PROPERTY_EXAMPLES", "300")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def yaml_value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    return str(value)


def layer_spec(input_shape, type_name: str, args: dict) -> str:
    """A spec of one layer of ``type_name`` with ``args`` on ``input_shape``."""
    return (f"input: {yaml_value(list(input_shape))}\nlayers:\n  - {type_name}: {{"
            + ", ".join(f"{k}: {yaml_value(v)}" for k, v in args.items()) + "}\n")


def cnncalc_row(input_shape, type_name: str, args: dict):
    """The analysed row of one layer, or None when cnncalc rejects the configuration."""
    try:
        return analyze(parse_spec(layer_spec(input_shape, type_name, args), "prop.yaml")).rows[1]
    except SpecError:
        return None
