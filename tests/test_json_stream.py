"""JSON written in pieces (render.document.json_chunks): the same text as a whole document, whatever the
number of layers, and a report's streamed JSON the same as its whole one."""

import json

import pytest
from click.testing import CliRunner

from cnncalc.cli import main
from cnncalc.render import document


def expected_text(data: dict) -> str:
    """The layout written out by hand: two-space indent, the top-level list of objects one item a line."""
    members = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            inner = ",\n".join("    " + json.dumps(v, ensure_ascii=False, separators=(", ", ": ")) for v in value)
            body = "[\n" + inner + "\n  ]"
        else:
            body = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        members.append(f"  {json.dumps(key)}: {body}")
    return "{\n" + ",\n".join(members) + "\n}\n"


@pytest.mark.parametrize("count", [0, 1, 2, document.CHUNK - 1, document.CHUNK, document.CHUNK + 1,
                                   2 * document.CHUNK, 2 * document.CHUNK + 3])
def test_streamed_list_is_the_whole_document(count):
    items = [{"name": f"l{i}", "n": i, "rf": {"size": [i, 1]}, "é": "ü"} for i in range(count)]
    data = {"schema": "x/1", "layers": items, "warnings": [], "tail": {"a": [1, 2]}}
    streamed = {**data, "layers": document.Lines(iter(items))}
    pieces = list(document.json_chunks(streamed))
    text = "".join(pieces)
    assert text == expected_text(data)
    assert document.to_json(data) == text
    assert json.loads(text) == data
    # pieces of at most CHUNK layer lines each: never the whole list in one string
    assert len(pieces) >= 3 + -(-count // document.CHUNK)


def test_lines_items_are_made_while_writing():
    made = []

    def items():
        for i in range(3 * document.CHUNK):
            made.append(i)
            yield {"i": i}

    chunks = document.json_chunks({"layers": document.Lines(items())})
    next(chunks)                         # the first piece holds the first CHUNK items only
    assert len(made) <= document.CHUNK + 1


def test_report_json_streams_the_same_text(tmp_path):
    lines = "".join("  - {conv: {out: 4, kernel: 3, padding: 1}}\n  - relu\n" for _ in range(1200))
    spec = tmp_path / "chain.yaml"
    spec.write_text(f"name: chain\ninput: [4, 8, 8]\nlayers:\n{lines}")
    from cnncalc.analysis import analyze
    from cnncalc.render.report import report_json, report_json_chunks
    from cnncalc.spec import read_spec

    from cnncalc.metrics import Figures

    parsed = read_spec(str(spec))
    report = analyze(parsed)
    whole = report_json(report)
    assert "".join(report_json_chunks(report)) == whole
    figures = Figures(report, parsed.graph)           # what `analyze --format json` writes: with peak memory
    out = CliRunner().invoke(main, ["analyze", str(spec), "--format", "json"])
    assert out.exit_code == 0 and out.output == "".join(report_json_chunks(figures)) == report_json(figures)
    layers = json.loads(whole)["layers"]
    assert len(layers) == 2401                   # the input and 2 × 1,200 layers
    assert layers[-1]["output_shape"] == [4, 8, 8]


def _compact(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def test_hand_written_layer_lines_are_the_encoders_text():
    # render.report._layer_lines writes each layer's object with a function compiled for the columns: exactly
    # json's compact text of layer_dict, for every shipped spec, for JSON's default columns and for every column
    # (the latency ones with a device), and for names json must escape
    import glob
    import os

    from cnncalc.analysis import analyze
    from cnncalc.devices import load_shipped
    from cnncalc.metrics import Figures, Settings
    from cnncalc.record import replace
    from cnncalc.render.columns import COLUMNS, Context
    from cnncalc.render.report import _layer_lines, layer_dict
    from cnncalc.spec import parse_spec, read_spec
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = sorted(glob.glob(os.path.join(root, "specs", "**", "*.yaml"), recursive=True))
    assert len(paths) > 20
    parsed = [read_spec(path) for path in paths if not path.endswith("budgets.yaml")]
    odd = 'input: [3, 8, 8]\nlayers:\n  - {name: "a\\"b\\\\c\\u00e9\\u2603\\U0001F600\\x01", conv: {out: 2, kernel: 3}}\n' \
          '  - {name: "d/e", relu: {}, from: "a\\"b\\\\c\\u00e9\\u2603\\U0001F600\\x01"}\n'
    parsed.append(parse_spec(odd))
    every = [column.name for column in COLUMNS]
    settings = Settings(device=load_shipped("t4"))
    for spec in parsed:
        report = analyze(spec)
        for context, columns in ((Context(report), None), (Context(Figures(report, spec.graph, settings)), every)):
            rows = report.rows
            assert list(_layer_lines(rows, context, columns)) == \
                [_compact(layer_dict(row, context, columns)) for row in rows], report.name
    # a figure that is not a plain int (a bool here) is left to json: 'true', not 'True'
    row = replace(report.rows[1], params=True)
    assert list(_layer_lines([row], context, every)) == [_compact(layer_dict(row, context, every))]
    assert '"params": true' in _compact(layer_dict(row, context, every))
