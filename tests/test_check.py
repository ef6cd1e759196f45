"""`cnncalc check`: limits, units, sources and precedence, baselines, exit codes, JSON and annotations.

Figures of specs/seed/inception_naive.yaml, derived by hand (input 16×28×28, bias off, stride-1 'same'
convolutions, so 28·28 = 784 output positions each):
  params = (1·1 + 3·3 + 5·5)·16·16 = 8,960, all trainable
  MACs = 784 · 8,960 = 7,024,640
  FLOPs = 2·MACs + maxpool 3×3: (9 − 1) comparisons · 16·784 outputs = 14,049,280 + 100,352 = 14,149,632
  param memory = 8,960 · 4 B = 35,840 B
  activation memory = (4 branches · 16·784 + concat 64·784) · 4 B = 100,352 · 4 = 401,408 B
A dense layer [100] → N without bias has 100·N parameters and 100·N MACs (used for exact boundaries).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NAIVE = str(REPO / "specs/seed/inception_naive.yaml")
FIGURES = {"params": 8_960, "trainable_params": 8_960, "macs": 7_024_640, "flops": 14_149_632,
           "param_memory": 35_840, "activation_memory": 401_408}


def dense(n: int, budget: str = "") -> str:
    return f"input: [100]\n{budget}layers:\n  - dense: {{out: {n}, bias: false}}\n"


def run_json(cli, *args):
    code, out, err = cli("check", *args, "--format", "json")
    return code, json.loads(out), err


@pytest.mark.parametrize("metric", sorted(FIGURES))
def test_each_limit_kind_at_its_boundary(cli, metric):
    option = "--max-" + metric.replace("_", "-")
    exact = FIGURES[metric]
    code, data, _ = run_json(cli, NAIVE, option, str(exact))          # a plain integer is exact
    assert code == 0 and data["passed"] is True
    [c] = data["checks"]
    assert (c["metric"], c["actual"], c["limit"], c["headroom"], c["passed"]) == (metric, exact, exact, 0, True)
    code, data, _ = run_json(cli, NAIVE, option, str(exact - 1))
    assert code == 1 and data["passed"] is False
    [c] = data["checks"]
    assert (c["headroom"], c["passed"], c["source"], c["origin"]) == (-1, False, "option", option)


@pytest.mark.parametrize("option, value, passes", [
    ("--max-params", "8.96K", True),          # 8,960 exactly
    ("--max-params", "8.959K", False),        # 8,959
    ("--max-macs", "7.02464M", True),         # 7,024,640 exactly
    ("--max-macs", "7.02M", False),
    ("--max-flops", "0.015G", True),          # 15,000,000
    ("--max-param-memory", "35KiB", True),    # 35·1024 = 35,840 exactly
    ("--max-param-memory", "35.84KB", True),  # 35,840
    ("--max-param-memory", "35KB", False),    # 35,000
    ("--max-activation-memory", "392KiB", True),   # 392·1024 = 401,408 exactly
    ("--max-activation-memory", "0.4MB", False),   # 400,000
])
def test_units_on_the_command_line(cli, option, value, passes):
    code, _, _ = run_json(cli, NAIVE, option, value)
    assert code == (0 if passes else 1)


@pytest.mark.parametrize("args, words", [
    (["--max-param-memory", "35K"], "ambiguous"),
    (["--max-params", "25MB"], "byte size"),
    (["--max-params", "-1"], "negative"),
    (["--max-params", "lots"], "not a number"),
    (["--max-increase", "5%"], "--baseline"),
    (["--baseline", NAIVE], "--max-increase"),
    (["--baseline", NAIVE, "--max-increase", "5"], "percentage"),
    (["--baseline", NAIVE, "--max-increase", "parms=5%"], "did you mean 'params'"),
    (["--baseline", "no/such/old.yaml", "--max-increase", "5%"], "no such"),
])
def test_bad_options_exit_2(cli, args, words):
    code, out, err = cli("check", NAIVE, *args)
    assert code == 2 and words in err and "Traceback" not in err


def test_no_specs_is_usage_error(cli):
    code, _, err = cli("check")
    assert code == 2 and "SPEC" in err


def test_a_spec_without_limits_is_an_error_not_a_pass(cli):
    code, data, err = run_json(cli, NAIVE)
    assert code == 2 and data["passed"] is False and data["checks"] == []
    assert "no limits" in data["errors"][0]["message"] and "no limits" in err


def test_bad_spec_exits_2_and_others_are_still_checked(cli, write):
    bad = write("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 9}\n", "bad.yaml")  # 9 > 8
    good = write(dense(10, "budget: {params: 1000}\n"), "good.yaml")
    code, data, err = run_json(cli, bad, good)
    assert code == 2
    assert [c["spec"] for c in data["checks"]] == [good]
    assert data["errors"][0]["spec"] == bad and data["errors"][0]["line"] == 3
    assert "bad.yaml:3" in err


def test_budget_from_the_spec(cli, write):
    # 100·40 = 4,000 params and MACs
    spec = write(dense(40, "budget:\n  params: 4K\n  macs: 3.9K\n"))
    code, data, _ = run_json(cli, spec)
    assert code == 1
    checks = {c["metric"]: c for c in data["checks"]}
    assert checks["params"]["passed"] is True and checks["params"]["limit"] == 4_000
    assert checks["macs"]["passed"] is False and checks["macs"]["headroom"] == 3_900 - 4_000
    assert (checks["macs"]["source"], checks["macs"]["file"], checks["macs"]["line"]) == ("spec", spec, 4)
    assert checks["macs"]["origin"] == "spec budget, line 4"


@pytest.mark.parametrize("budget, words, line", [
    ("budget:\n  parms: 4K\n", "did you mean 'params'", 3),
    ("budget:\n  params: 4MB\n", "byte size", 3),
    ("budget:\n  activation_memory: 4M\n", "ambiguous", 3),
    ("budget:\n  params: -4\n", "negative", 3),
    ("budget: [params]\n", "mapping", 2),
])
def test_bad_spec_budget_is_an_error_at_its_line(cli, write, budget, words, line):
    spec = write(dense(40, budget))
    code, data, err = run_json(cli, spec)
    assert code == 2 and words in data["errors"][0]["message"]
    assert data["errors"][0]["line"] == line


def test_budget_file_paths_globs_and_override(cli, tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "small.yaml").write_text(dense(10))      # 1,000 params
    (tmp_path / "models" / "big.yaml").write_text(dense(50))        # 5,000 params
    (tmp_path / "ci").mkdir()
    budgets = tmp_path / "ci" / "budgets.yaml"
    budgets.write_text("specs:\n"
                       "  '../models/*.yaml': {params: 2K, macs: 100K}\n"
                       "  ../models/big.yaml: {params: 6K}\n")           # later entry overrides params
    monkeypatch.chdir(tmp_path)
    # without SPEC: every file the entries name, paths relative to the working directory
    code, data, _ = run_json(cli, "--budget", "ci/budgets.yaml")
    assert code == 0, data
    limits = {(c["spec"], c["metric"]): (c["limit"], c["line"]) for c in data["checks"]}
    assert limits == {("models/big.yaml", "params"): (6_000, 3), ("models/big.yaml", "macs"): (100_000, 2),
                      ("models/small.yaml", "params"): (2_000, 2), ("models/small.yaml", "macs"): (100_000, 2)}
    assert {c["source"] for c in data["checks"]} == {"budget-file"}
    # with SPEC: only that one
    code, data, _ = run_json(cli, "models/small.yaml", "--budget", "ci/budgets.yaml")
    assert code == 0 and {c["spec"] for c in data["checks"]} == {"models/small.yaml"}
    # a spec no entry matches, with no other limits: an error
    (tmp_path / "other.yaml").write_text(dense(1))
    code, data, _ = run_json(cli, "other.yaml", "--budget", "ci/budgets.yaml")
    assert code == 2


def test_precedence_option_over_budget_file_over_spec(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.yaml").write_text(dense(40, "budget: {params: 3K, macs: 3K, flops: 1}\n"))  # 4,000 params
    (tmp_path / "b.yaml").write_text("specs:\n  net.yaml: {params: 5K, macs: 3.5K}\n")
    code, data, _ = run_json(cli, "net.yaml", "--budget", "b.yaml", "--max-params", "4K")
    by_metric = {c["metric"]: (c["limit"], c["source"]) for c in data["checks"]}
    # params: option 4K beats the file's 5K and the spec's 3K; macs: the file's 3.5K beats the spec's 3K;
    # flops (2·4,000 = 8,000) only in the spec
    assert by_metric == {"params": (4_000, "option"), "macs": (3_500, "budget-file"), "flops": (1, "spec")}
    assert code == 1


@pytest.mark.parametrize("text, words", [
    ("specs: {'*.yaml': {parms: 1}}\n", "did you mean 'params'"),
    ("spec: {}\n", "did you mean 'specs'"),
    ("specs: []\n", "needs 'specs'"),
    ("specs: {missing.yaml: {params: 1}}\n", "names no file"),
    ("[1, 2]\n", "mapping"),
    ("specs: {'*.yaml': 5}\n", "mapping"),
])
def test_bad_budget_file_exits_2(cli, tmp_path, monkeypatch, text, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.yaml").write_text(text)
    code, _, err = cli("check", "--budget", "b.yaml")
    assert code == 2 and words in err and "b.yaml:" in err


def test_missing_budget_file(cli):
    code, _, err = cli("check", NAIVE, "--budget", "no/such/budgets.yaml")
    assert code == 2 and "no such budget file" in err


def test_baseline_max_increase_exact_boundary(cli, write):
    old = write(dense(100), "old.yaml")                 # 10,000 params and MACs
    new = write(dense(105), "new.yaml")                 # 10,500: exactly +5%
    code, data, _ = run_json(cli, new, "--baseline", old, "--max-increase", "5%")
    assert code == 0
    params = next(c for c in data["checks"] if c["metric"] == "params")
    # floor(10,000 · (1 + 1/20)) = 10,500
    assert (params["limit"], params["baseline"], params["max_increase"], params["source"]) == \
        (10_500, 10_000, "1/20", "baseline")
    code, data, _ = run_json(cli, new, "--baseline", old, "--max-increase", "4.999%")
    # 10,000 · 1.04999 = 10,499.9: counts are whole, so the allowed value is 10,499 < 10,500
    assert code == 1
    params = next(c for c in data["checks"] if c["metric"] == "params")
    assert params["limit"] == 10_499 and params["max_increase"] == "4999/100000"


def test_per_metric_increase_and_composition_with_limits(cli, write):
    old = write(dense(100), "old.yaml")
    new = write(dense(102, "budget: {params: 10.1K}\n"), "new.yaml")   # 10,200
    code, data, _ = run_json(cli, new, "--baseline", old, "--max-increase", "10%",
                             "--max-increase", "params=1%,macs=3%")
    checks = [(c["metric"], c["source"], c["limit"], c["passed"]) for c in data["checks"]]
    assert ("params", "spec", 10_100, False) in checks            # the absolute limit still applies
    assert ("params", "baseline", 10_100, False) in checks        # 10,000 · 1.01
    assert ("macs", "baseline", 10_300, True) in checks           # 10,000 · 1.03
    assert ("flops", "baseline", 22_000, True) in checks          # 2·10,000 · 1.10
    assert code == 1


def test_baseline_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "base" / "m").mkdir(parents=True)
    (tmp_path / "m" / "a.yaml").write_text(dense(110))
    (tmp_path / "base" / "m" / "a.yaml").write_text(dense(100))
    (tmp_path / "m" / "new.yaml").write_text(dense(7, "budget: {params: 1K}\n"))
    code, data, _ = run_json(cli, "m/a.yaml", "m/new.yaml", "--baseline", "base", "--max-increase", "5%")
    assert code == 1                                               # a.yaml grew 10%
    failed = [(c["spec"], c["metric"]) for c in data["checks"] if not c["passed"]]
    assert ("m/a.yaml", "params") in failed
    assert any("no baseline" in n for n in data["notes"])          # new.yaml is new, still budget-checked
    assert any(c["spec"] == "m/new.yaml" and c["passed"] for c in data["checks"])


def test_json_schema_is_stable(cli, write):
    spec = write(dense(40, "budget: {params: 5K}\n"))
    code, data, _ = run_json(cli, spec)
    assert code == 0
    assert set(data) == {"schema", "cnncalc_version", "passed", "exit_code", "dtype", "batch", "warn_at", "checks",
                         "errors", "skipped", "notes", "summary"}
    assert data["schema"] == "cnncalc.check/2"
    [c] = data["checks"]
    assert set(c) == {"spec", "name", "metric", "unit", "actual", "limit", "headroom", "passed", "near_limit",
                      "source", "origin", "file", "line", "baseline", "max_increase"}
    assert (c["spec"], c["metric"], c["actual"], c["limit"], c["passed"]) == (spec, "params", 4_000, 5_000, True)
    assert data["summary"] == {"specs": 1, "checks": 1, "passed": 1, "failed": 0, "errors": 0, "skipped": 0}


def test_text_lines_one_per_spec_and_limit(cli, write):
    spec = write(dense(40, "budget: {params: 5K, macs: 3K}\n"))
    code, out, _ = cli("check", spec)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("PASS") and "params" in lines[0] and "4,000" in lines[0] and "≤ 5,000" in lines[0]
    assert "headroom 1,000 (20.0% left)" in lines[0]
    assert lines[1].startswith("FAIL") and "> 3,000" in lines[1] and "over by 1,000 (+33.3%)" in lines[1]
    assert lines[-1] == "cnncalc check FAILED: 1 spec, 2 checks, 1 passed, 1 failed"


def test_markdown_report(cli, write):
    spec = write(dense(40, "budget: {macs: 3K}\n"))
    code, out, _ = cli("check", spec, "--format", "markdown")
    assert code == 1 and "| ❌ |" in out and "over by 1,000" in out


def test_github_annotations(cli, write, monkeypatch):
    spec = write(dense(40, "name: net\nbudget:\n  params: 5K\n  macs: 3K\n"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = cli("check", spec)
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::error")]
    # only the failed check, at the 'macs' line of the budget (line 5 of the spec)
    assert annotations == [f"::error file={spec},line=5,title=cnncalc check::macs 4,000 exceeds the limit "
                           f"3,000 (spec budget, line 5) by 1,000"]
    # with JSON, annotations go to stderr and stdout stays JSON
    code, out, err = cli("check", spec, "--format", "json")
    assert json.loads(out)["passed"] is False and "::error file=" in err
    # a bad spec is annotated at its error
    bad = write("input: [3]\nlayers:\n  - bogus\n", "bad.yaml")
    code, out, _ = cli("check", bad)
    assert code == 2 and f"::error file={bad},line=3,col=5," in out
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    code, out, _ = cli("check", spec)
    assert "::error" not in out


def test_annotation_escaping():
    from cnncalc.render.check import _annotation
    assert _annotation("a,b:c.yaml", 3, None, "50% over\nnext") == \
        "::error file=a%2Cb%3Ac.yaml,line=3,title=cnncalc check::50%25 over%0Anext"


def test_skip_non_specs(cli, write):
    spec = write(dense(40, "budget: {params: 5K}\n"))
    workflow = write("name: ci\non: push\njobs: {}\n", "workflow.yaml")
    code, data, _ = run_json(cli, "--skip-non-specs", spec, workflow)
    assert code == 0 and data["skipped"] == [{"spec": workflow, "reason": "not a cnncalc spec (no 'layers')"}]
    code, _, _ = run_json(cli, spec, workflow)          # without the flag, a non-spec is a bad spec
    assert code == 2


def test_spec_from_stdin(cli):
    code, out, _ = cli("check", "-", "--max-params", "4000", input=dense(40))
    assert code == 0 and "PASS" in out


@pytest.mark.parametrize("args", [
    ["--max-params", "1e9999999"],                 # was an internal error (Python's 4,300-digit limit)
    ["--max-params", "1e999999999999"],            # was a hang
    ["--max-params", "1e-99999999999K"],           # was a hang
    ["--baseline", NAIVE, "--max-increase", "1e99999999%"],   # was a hang
])
def test_huge_exponents_are_usage_errors(cli, args):
    code, _, err = cli("check", NAIVE, *args)
    assert code == 2 and ("too large" in err or "too small" in err) and "Traceback" not in err


@pytest.mark.parametrize("value", ["1e999999", "1e99999999999"])
def test_huge_spec_budget_is_a_spec_error(cli, write, value):
    spec = write(dense(40, f'budget: {{params: "{value}"}}\n'))
    code, _, err = cli("check", spec)
    assert code == 2 and f"{spec}:2" in err and "too large" in err
    code, _, err = cli("analyze", spec)              # analyze validates the budget too
    assert code == 2 and "too large" in err and "internal error" not in err


@pytest.mark.parametrize("value, words", [
    ("params=5%,=3%", "no metric before '='"),      # was accepted, '=3%' read as every metric
    ("=3%", "no metric before '='"),
    ("params=", "no percentage after '='"),
    ("params=5%,,macs=3%", "empty item"),
    (",", "empty item"),
    ("params==5%", "more than one '='"),
    ("params=5%,params=3%", "given twice"),
    ("5%,3%", "given twice"),
])
def test_malformed_max_increase_is_a_usage_error(cli, value, words):
    code, out, err = cli("check", NAIVE, "--baseline", NAIVE, "--max-increase", value)
    assert code == 2 and words in err and "--max-increase" in err and "Traceback" not in err and out == ""


def test_max_increase_items_may_have_spaces(cli):
    # the same spec as its own baseline: every increase is 0, so both checks pass
    code, data, _ = run_json(cli, NAIVE, "--baseline", NAIVE, "--max-increase", " params=5% , macs=3% ")
    assert code == 0 and {c["metric"]: c["max_increase"] for c in data["checks"]} == \
        {"params": "1/20", "macs": "3/100"}


@pytest.mark.parametrize("text", [
    "a: 1\n---\nb: 2\n",                                                   # several documents (Kubernetes)
    "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref Name}\n",  # CloudFormation
    "kind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n{{- if .Values.x }}\ndata: {}\n{{- end }}\n",  # Helm
    "nested:\n  layers: [1]\nlist: [layers]\nvalue: layers\n",             # 'layers', but not a top-level key
    "- layers: 1\n",                                                       # a list, not a mapping
    "",                                                                    # empty
])
def test_skip_non_specs_skips_any_yaml_that_is_not_a_spec(cli, write, text):
    spec = write(dense(40, "budget: {params: 5K}\n"))
    other = write(text, "other.yaml")
    code, data, err = run_json(cli, "--skip-non-specs", spec, other)
    assert code == 0, err
    assert data["skipped"] == [{"spec": other, "reason": "not a cnncalc spec (no 'layers')"}]
    assert [c["spec"] for c in data["checks"]] == [spec]


def test_skip_non_specs_skips_text_that_is_not_utf8(cli, tmp_path):
    other = tmp_path / "latin1.yaml"
    other.write_bytes("name: caf\xe9\n".encode("latin-1"))
    code, data, _ = run_json(cli, "--skip-non-specs", str(other))
    assert code == 0 and [s["spec"] for s in data["skipped"]] == [str(other)]


@pytest.mark.parametrize("text, words", [
    (dense(40, "budget: {params: 5K}\n") + "---\nb: 2\n", "single document"),
    ("input: [100]\nbudget: {params: 5K}\nlayers: !Ref x\n", "could not determine a constructor"),
    ("input: [100]\nbudget: {params: 5K\nlayers:\n  - dense: {out: 40}\n", "YAML error"),   # not YAML at all
    ("input: [100]\nbudget: {params: 5K}\nlayers:\n  - dense: {out: 0}\n", "out"),
])
def test_skip_non_specs_still_reports_a_broken_spec(cli, write, text, words):
    spec = write(text)
    code, data, err = run_json(cli, "--skip-non-specs", spec)
    assert code == 2 and data["skipped"] == [] and words in data["errors"][0]["message"] and spec in err
