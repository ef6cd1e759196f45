"""`cnncalc verify --format json`: the result as a versioned JSON document. No rich here."""

from __future__ import annotations

from cnncalc import __version__
from cnncalc.rf import as_json
from cnncalc.verify import VerifyResult

SCHEMA = "cnncalc.verify/1"


def result_dict(result: VerifyResult) -> dict:
    return {
        "schema": SCHEMA,
        "cnncalc_version": __version__,
        "name": result.name,
        "source": result.source,
        "input": list(result.input_shape),
        "seed": result.seed,
        "status": result.status,
        "probes": result.probes,
        "structural_runs": result.runs,
        "unexecutable": [{"layer": u.layer, "type": u.type, "reason": u.reason} for u in result.unexecutable],
        "layers": [
            {
                "name": node.name,
                "type": node.type,
                "analysed_shape": list(node.analytic_shape),
                "executed_shape": None if node.executed_shape is None else list(node.executed_shape),
                "shape_agrees": node.shape_ok,
                "receptive_field": {
                    "status": node.rf_status,
                    "analysed": as_json(node.analytic_rf),
                    "measured": {
                        "size": [m.size for m in node.measured],
                        "stride": [m.stride for m in node.measured],
                        "unit0_first": [m.first for m in node.measured],
                        "unit0_last": [m.last for m in node.measured],
                    },
                    "units_compared": node.rf_units,
                    "note": node.note,
                },
                "problems": list(node.problems),
            }
            for node in result.nodes
        ],
    }
