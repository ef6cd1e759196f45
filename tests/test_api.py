"""The Python API (docs/api.md): its examples run, its public names are pinned, and it gives the command
line's figures."""

from __future__ import annotations

import doctest
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

import cnncalc

ROOT = pathlib.Path(__file__).resolve().parent.parent
PUBLIC = ["CheckResult", "CnncalcError", "Comparison", "Family", "Report", "SpecError", "__version__", "analyze",
          "check", "compare", "family", "read"]


def _python_blocks(text: str) -> str:
    """The ```python blocks of a Markdown page, one after another (doctest reads the fence as output)."""
    blocks = re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)
    return "\n".join(blocks)


# The figures the examples show are derived beside them in the docs: ResNet-50's parameters are torchvision's
# published count (docs/zoo.md), the same at any input size (global average pooling before the classifier).
@pytest.mark.parametrize("page, examples", [("docs/api.md", 21), ("README.md", 4)])
def test_documented_python_examples_run(page, examples):
    text = _python_blocks((ROOT / page).read_text(encoding="utf-8"))
    test = doctest.DocTestParser().get_doctest(text, {}, page, page, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= examples and runner.failures == 0


def test_public_names_are_pinned():
    assert sorted(cnncalc.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(cnncalc, name) is not None


def test_importing_cnncalc_loads_no_api_module():
    code = "import sys, cnncalc; print(sorted(m for m in sys.modules if m.startswith('cnncalc')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['cnncalc']"


SMALL = {"name": "small", "input": [3, 16, 16],
         "layers": [{"conv": {"out": 8, "kernel": 3, "stride": 2, "padding": 1, "bias": False}}, "relu",
                    "flatten", {"dense": {"out": 10}}]}
# conv: 3·3·3·8 = 216 weights; output 8×8×8 (⌊(16 + 2 − 3)/2⌋ + 1 = 8), 216 MACs per position · 64 positions
# = 13,824; dense 512 → 10 with bias: 5,130 parameters, 5,120 MACs.
SMALL_PARAMS, SMALL_MACS = 216 + 5130, 13824 + 5120


@pytest.mark.parametrize("form", ["dict", "text", "path", "pathlike"])
def test_every_source_form_gives_the_same_figures(form, tmp_path):
    import yaml
    text = yaml.safe_dump(SMALL, sort_keys=False)
    path = tmp_path / "small.yaml"
    path.write_text(text)
    source = {"dict": SMALL, "text": text, "path": str(path), "pathlike": path}[form]
    report = cnncalc.analyze(source)
    assert (report.totals.params, report.totals.macs, report.output_shape) == (SMALL_PARAMS, SMALL_MACS, (10,))
    assert report.name == "small"


def test_the_api_gives_the_command_lines_json(tmp_path):
    cli = subprocess.run([sys.executable, "-m", "cnncalc", "analyze", "zoo:mobilenet_v2", "--format", "json",
                          "--input", "3,160,160"], capture_output=True, text=True, check=True).stdout
    api = cnncalc.analyze("zoo:mobilenet_v2", input=[3, 160, 160]).to_json()
    assert json.loads(api) == json.loads(cli)


def test_a_report_shows_itself_in_a_notebook():
    report = cnncalc.analyze(SMALL)
    page = report._repr_html_()
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert body.count("<tr>") == len(report.rows)            # one row per layer
    assert "5,346" in page                                   # SMALL_PARAMS, in the summary
    assert report._repr_markdown_() == report.to_markdown()


def test_an_unnamed_spec_is_called_network():
    assert cnncalc.analyze({"input": [1, 4], "layers": ["relu"]}).name == "network"


def test_errors_are_spec_errors_with_layer():
    spec = {"input": [3, 8, 8], "layers": [{"name": "c", "conv": {"out": 4, "kernel": 9}}]}
    with pytest.raises(cnncalc.SpecError) as caught:
        cnncalc.analyze(spec)
    assert caught.value.layer == "c" and caught.value.location.file == "<dict>"


@pytest.mark.parametrize("call, message", [
    (lambda: cnncalc.analyze(SMALL, dtype="float8"), "unknown dtype"),
    (lambda: cnncalc.analyze(SMALL, batch=0), "batch must be a positive int"),
    (lambda: cnncalc.analyze(SMALL, input=[3, 0, 16]), "positive ints"),
    (lambda: cnncalc.analyze(SMALL, training=True, optimizer="lamb"), "unknown optimizer"),
    (lambda: cnncalc.analyze(SMALL, device="no-such-device"), "no-such-device"),
    (lambda: cnncalc.analyze("no/such/file.yaml"), "no/such/file.yaml"),
    (lambda: cnncalc.compare(SMALL), "at least two"),
    (lambda: cnncalc.check(SMALL), "no limits"),
    (lambda: cnncalc.check(SMALL, {"parms": "1M"}), "unknown budget key 'parms'"),
    # check sizes memory as analyze does, and refuses the same options (it passed batch=0 and True)
    (lambda: cnncalc.check(SMALL, {"params": "1M"}, batch=0), "batch must be a positive int"),
    (lambda: cnncalc.check(SMALL, {"params": "1M"}, batch=True), "batch must be a positive int"),
    (lambda: cnncalc.check(SMALL, {"params": "1M"}, dtype="bogus"), "unknown dtype"),
])
def test_bad_arguments_are_spec_errors(call, message):
    with pytest.raises(cnncalc.CnncalcError) as caught:
        call()
    assert message in str(caught.value)


def test_a_source_of_another_kind_is_a_type_error():
    with pytest.raises(TypeError):
        cnncalc.analyze(42)


def test_check_uses_the_specs_own_budget(tmp_path):
    spec = dict(SMALL, budget={"params": SMALL_PARAMS - 1})
    result = cnncalc.check(spec)
    assert (result.passed, result.exit_code) == (False, 1)
    assert result.checks[0].headroom == -1
    assert cnncalc.check(SMALL, {"params": SMALL_PARAMS}).passed


def test_compare_takes_reports_made_already():
    first = cnncalc.analyze(SMALL)
    bigger = dict(SMALL, name="bigger", layers=[{"conv": {"out": 16, "kernel": 3, "stride": 2, "padding": 1,
                                                          "bias": False}}, "relu", "flatten", {"dense": {"out": 10}}])
    # 16 channels: conv 3·3·3·16 = 432 weights; dense 1,024 → 10 with bias: 10,250
    assert cnncalc.compare(first, bigger).metric("params").values == (SMALL_PARAMS, 432 + 10250)


def test_the_documentation_runs_where_the_readme_says(monkeypatch):
    monkeypatch.chdir(os.path.dirname(__file__))      # shipped names work from any folder
    assert cnncalc.analyze("seed:spp").totals.params > 0


def test_the_functions_stay_functions_after_every_module_is_imported():
    import importlib
    import pkgutil
    for info in pkgutil.walk_packages(cnncalc.__path__, "cnncalc."):
        if not info.name.startswith(("cnncalc.cli", "cnncalc.execute", "cnncalc.__main__")):
            importlib.import_module(info.name)
    for name in ("analyze", "compare", "check", "read"):
        assert callable(getattr(cnncalc, name)) and not isinstance(getattr(cnncalc, name), type(os)), name


def test_set_gives_the_specs_arguments_in_every_function():
    # EfficientNet-B1 (torchvision EfficientNet_B1_Weights: 7,794,184 parameters at 240)
    b1 = {"depth": 1.1, "resolution": 240}
    assert cnncalc.analyze("zoo:efficientnet", set=b1).totals.params == 7_794_184
    assert cnncalc.read("zoo:efficientnet", set=b1).input_shape == (3, 240, 240)
    assert cnncalc.compare("zoo:efficientnet", "zoo:efficientnet", set=b1).metric("params").values \
        == (7_794_184, 7_794_184)
    assert cnncalc.check("zoo:efficientnet", {"params": 7_794_184}, set=b1).passed
    with pytest.raises(cnncalc.SpecError, match="no argument 'widht'"):
        cnncalc.analyze("zoo:efficientnet", set={"widht": 1.2})
    with pytest.raises(cnncalc.SpecError, match="set must map argument names"):
        cnncalc.analyze("zoo:efficientnet", set=[("width", 1.2)])


def test_an_uncompared_metric_is_a_key_error():
    comparison = cnncalc.compare(SMALL, SMALL)
    assert comparison.metric("params").metric.key == "params"
    with pytest.raises(KeyError):
        comparison.metric("no_such_metric")
    with pytest.raises(KeyError):                 # the core's record too, not a StopIteration
        comparison.comparison.metric("no_such_metric")


PIPE_NAMES = """
input: [2, 6, 6]
layers:
  - {name: "a|b", conv: {out: 4, kernel: 3, padding: 1}}
  - {name: "c|d", from: input, conv: {out: 4, kernel: 1}}
  - {name: side, from: input, conv: {out: 1, kernel: 1}}
  - {from: ["a|b", "c|d"], add: {}}
"""


def test_markdown_summary_rows_escape_a_pipe():
    """The peak line names the layers alive ('a|b', 'c|d'): each summary row stays two cells."""
    text = cnncalc.analyze(PIPE_NAMES).to_markdown()
    summary = [line for line in text.splitlines() if line.startswith("| ") and "Peak memory" in line]
    assert summary and all(line.replace("\\|", "").count("|") == 3 for line in summary), summary
    assert "a\\|b" in summary[0]


def test_html_holds_the_markdowns_totals_warnings_and_footnote():
    """_repr_html_ had the per-layer rows only: it has the total row, the warnings ('side' is not used) and the
    conventions' footnote that _repr_markdown_ has."""
    report = cnncalc.analyze(PIPE_NAMES)
    html, markdown = report._repr_html_(), report._repr_markdown_()
    assert "<tfoot>" in html and "<b>total</b>" in html
    assert "Warnings" in html and "side" in html and "not used" in html and "not used" in markdown
    import html as escaping
    from cnncalc.render.labels import CONVENTIONS
    assert escaping.escape(CONVENTIONS["macs"]) in html and CONVENTIONS["macs"] in markdown
