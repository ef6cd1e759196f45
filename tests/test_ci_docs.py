"""The shipped pre-commit hook and the GitHub Actions workflow in docs/ci.md actually work.

The hook's entry is run as pre-commit would run it (the entry, then the changed files) through the
installed console script (or `python -m cnncalc` where the script is not on disk). The workflow is parsed
from docs/ci.md and its `cnncalc` commands are run on the shipped specs, from the repository root.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
OVER = "input: [100]\nbudget: {params: 1K}\nlayers:\n  - dense: {out: 40, bias: false}\n"   # 100·40 = 4,000
UNDER = "input: [100]\nbudget: {params: 5K}\nlayers:\n  - dense: {out: 40, bias: false}\n"


def cnncalc_command() -> list[str]:
    script = Path(sys.executable).parent / "cnncalc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cnncalc"]


def run(argv: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    if argv[0] == "cnncalc":
        argv = cnncalc_command() + argv[1:]
    environment = {**os.environ, **(env or {})}
    environment.pop("GITHUB_ACTIONS", None)
    return subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)


def hook() -> dict:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    [entry] = [h for h in hooks if h["id"] == "cnncalc-check"]
    return entry


def test_hook_definition():
    h = hook()
    assert h["language"] == "python" and h["name"]
    assert shlex.split(h["entry"])[:2] == ["cnncalc", "check"]
    files = re.compile(h["files"])
    assert files.search("models/net.yaml") and files.search("net.yml") and not files.search("setup.py")


def test_hook_entry_passes_fails_and_skips(tmp_path):
    entry = shlex.split(hook()["entry"])
    (tmp_path / "under.yaml").write_text(UNDER)
    (tmp_path / "over.yaml").write_text(OVER)
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")   # a YAML file that is not a spec
    ok = run(entry + ["under.yaml", ".pre-commit-config.yaml"], tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "PASS" in ok.stdout and "SKIP" in ok.stdout
    bad = run(entry + ["under.yaml", "over.yaml"], tmp_path)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"^FAIL\s+over\.yaml\s+params\s+4,000\s+> 1,000", bad.stdout, re.M)
    # a spec with no limits fails the hook too (status 2), never a silent pass
    (tmp_path / "nolimits.yaml").write_text("input: [3]\nlayers:\n  - relu\n")
    assert run(entry + ["nolimits.yaml"], tmp_path).returncode == 2


def workflow() -> dict:
    text = (REPO / "docs/ci.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "jobs:" in b]
    assert len(blocks) == 1
    return yaml.safe_load(blocks[0])


def test_workflow_commands_run_on_the_shipped_specs(tmp_path):
    flow = workflow()
    steps = flow["jobs"]["budgets"]["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python"]
    commands = [line.strip() for s in steps if "run" in s for line in s["run"].splitlines() if line.strip()]
    assert {shlex.split(c)[0] for c in commands} <= {"python", "git", "cnncalc"}
    # the base branch's worktree: here, a copy of the shipped specs with one grown 3% (under 5%)
    base = tmp_path / "base"
    shutil.copytree(REPO / "specs", base / "specs")
    env = {"RUNNER_TEMP": str(tmp_path), "GITHUB_BASE_REF": "main"}
    ran = 0
    for command in commands:
        argv = shlex.split(os.path.expandvars(command.replace("$RUNNER_TEMP", str(tmp_path))
                                              .replace("$GITHUB_BASE_REF", "main")))
        if argv[0] != "cnncalc":
            continue
        result = run(argv, REPO, env)
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
        assert "cnncalc check passed" in result.stdout
        ran += 1
    assert ran == 2
    # and the regression step fails when a spec grew by more than 5% against the base
    grown = base / "specs/seed/stacked_3x3.yaml"
    grown.write_text(grown.read_text().replace("out: 64", "out: 60", 1))   # base had fewer parameters
    step = next(c for c in commands if "--baseline" in c)
    result = run(shlex.split(step.replace("$RUNNER_TEMP", str(tmp_path))), REPO, env)
    # base: 3·3·64·60 + 3·3·60·64 = 69,120; now 73,728 = +6.7% > 5%
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^FAIL\s+specs/seed/stacked_3x3\.yaml\s+params\s+73,728\s+> 72,576", result.stdout, re.M)


def test_json_example_in_docs_has_the_real_keys(cli, tmp_path):
    text = (REPO / "docs/ci.md").read_text()
    example = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    spec = tmp_path / "s.yaml"
    spec.write_text(UNDER)
    code, out, _ = cli("check", str(spec), "--format", "json")
    real = json.loads(out)
    assert set(example) == set(real)
    assert set(example["checks"][0]) == set(real["checks"][0])
    assert set(example["summary"]) == set(real["summary"])
