"""check for CI: the pre-commit hook run by pre-commit in a scratch git repository, streaming lines, the
GitHub step summary, JUnit XML and --warn-at."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NAIVE = (REPO / "specs/seed/inception_naive.yaml").read_text()
BOTTLENECK = (REPO / "specs/seed/inception_bottleneck.yaml").read_text()
# inception-naive: 8,960 parameters, 7,024,640 MACs; inception-bottleneck: 5,120 parameters (docs/zoo.md, and
# tests/test_compare.py derive them by hand: 16·(1 + 9 + 25)·16 + 16·16 = 8,960)


def git(repo: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env)


def scratch_repo(tmp_path: Path) -> tuple[Path, dict]:
    """A git repository with pre-commit installed and cnncalc's hook, as .pre-commit-hooks.yaml defines it,
    run from this environment (a local hook: language system instead of building a virtualenv)."""
    repo = tmp_path / "project"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GITHUB_ACTIONS", None)
    assert git(repo, "init", "-q", env=env).returncode == 0
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    local = {k: hook[k] for k in ("id", "name", "entry", "files", "require_serial")}
    local.update(language="system", args=["--budget", "models/budgets.yaml"])
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    (repo / "models").mkdir()
    (repo / "models/naive.yaml").write_text(NAIVE)
    (repo / "models/bottleneck.yaml").write_text(BOTTLENECK)
    (repo / "models/budgets.yaml").write_text("specs:\n  naive.yaml: {params: 9K}\n  bottleneck.yaml: {params: 6K}\n")
    done = subprocess.run([str(BIN / "pre-commit"), "install"], cwd=repo, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return repo, env


def test_pre_commit_blocks_a_commit_that_only_tightens_the_budget_file(tmp_path):
    assert shutil.which("git")
    repo, env = scratch_repo(tmp_path)
    git(repo, "add", "-A", env=env)
    first = git(repo, "commit", "-q", "-m", "models", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    head = git(repo, "rev-parse", "HEAD", env=env).stdout
    # tighten only the budget: naive's 8,960 parameters no longer fit 8,000
    (repo / "models/budgets.yaml").write_text("specs:\n  naive.yaml: {params: 8K}\n  bottleneck.yaml: {params: 6K}\n")
    git(repo, "add", "models/budgets.yaml", env=env)
    second = git(repo, "commit", "-q", "-m", "tighter", env=env)
    assert second.returncode != 0
    output = second.stdout + second.stderr
    assert re.search(r"^FAIL\s+models/naive\.yaml\s+params\s+8,960\s+> 8,000", output, re.M)
    assert git(repo, "rev-parse", "HEAD", env=env).stdout == head          # the commit was blocked
    # --all-files: every YAML file at once, one process (require_serial): one summary line, each spec once
    every = subprocess.run([str(BIN / "pre-commit"), "run", "--all-files"], cwd=repo, capture_output=True,
                           text=True, env=env)
    assert every.returncode == 1
    assert every.stdout.count("cnncalc check FAILED") == 1
    assert len(re.findall(r"^FAIL\s+models/naive\.yaml\s+params", every.stdout, re.M)) == 1


def check(args, cwd, **env):
    environment = {**os.environ, **env}
    environment.pop("GITHUB_ACTIONS", None)
    environment.update(env)
    return subprocess.run([str(BIN / "cnncalc"), "check", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment)


def project(tmp_path: Path) -> Path:
    (tmp_path / "naive.yaml").write_text(NAIVE)
    (tmp_path / "bottleneck.yaml").write_text(BOTTLENECK)
    (tmp_path / "broken.yaml").write_text("input: [3]\nlayers:\n  - conv: {kernl: 3}\n")
    (tmp_path / "budgets.yaml").write_text("specs:\n  naive.yaml: {params: 8K, macs: 7.1M}\n"
                                          "  bottleneck.yaml: {params: 6K}\n  broken.yaml: {params: 1K}\n")
    return tmp_path


def test_github_format_writes_annotations_and_the_step_summary(tmp_path):
    root = project(tmp_path)
    summary = root / "summary.md"
    summary.write_text("earlier step\n")
    done = check(["--budget", "budgets.yaml", "--format", "github", "--warn-at", "90%"], root,
                 GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 2                    # a bad spec wins over the exceeded limit
    lines = done.stdout.splitlines()
    assert any(line.startswith("::error file=naive.yaml") and "params 8,960 exceeds the limit 8,000" in line
               for line in lines)
    # MACs 7,024,640 of 7,100,000 is 98.9%: at or above 90%, a warning; bottleneck 5,120/6,000 = 85.3%: none
    assert any(line.startswith("::warning file=naive.yaml") and "macs" in line for line in lines)
    assert not any(line.startswith("::warning file=bottleneck.yaml") for line in lines)
    assert any(line.startswith("::error file=broken.yaml,line=3") for line in lines)
    text = summary.read_text()
    assert text.startswith("earlier step\n")       # appended, as GitHub expects of every step
    assert "| ❌ | `naive.yaml` | params |" in text and "| ⚠️ | `naive.yaml` | macs |" in text
    assert "| ✅ | `bottleneck.yaml` | params |" in text and "**cnncalc check FAILED" in text
    # a heading says the verdict; a bad spec is an error (❌), in a table of its own, never a ⚠️ near-limit row
    # with its message under "Headroom"
    body = text[len("earlier step\n"):]
    assert body.startswith("### cnncalc check: FAILED\n")
    [bad] = [line for line in body.splitlines() if "`broken.yaml`" in line]
    assert bad.startswith("| ❌ | `broken.yaml` | broken.yaml:3") and "kernl" in bad
    assert "| Spec | Where | Error |" in body
    # its counts are the JSON summary's: 3 specs (the bad one included); checks: naive params (over) and macs,
    # bottleneck params: 3, of which 2 passed and 1 failed; 1 bad spec
    data = json.loads(check(["--budget", "budgets.yaml", "--format", "json"], root).stdout)["summary"]
    assert data == {"specs": 3, "checks": 3, "passed": 2, "failed": 1, "errors": 1, "skipped": 0}
    assert "**cnncalc check FAILED: 3 specs, 3 checks, 2 passed, 1 failed, 1 bad spec (see errors)**" in body


def test_warn_at_marks_the_text_and_json_and_keeps_status_0(tmp_path):
    (tmp_path / "naive.yaml").write_text(NAIVE)
    done = check(["naive.yaml", "--max-params", "9K", "--warn-at", "99%"], tmp_path)
    # 8,960 / 9,000 = 99.6% >= 99%
    assert done.returncode == 0 and done.stdout.startswith("WARN  naive.yaml  params")
    done = check(["naive.yaml", "--max-params", "9K", "--warn-at", "99.6%"], tmp_path)
    # 99.6% of 9,000 is 8,964 > 8,960: not near
    assert done.stdout.startswith("PASS")
    import json
    data = json.loads(check(["naive.yaml", "--max-params", "9K", "--warn-at", "90%", "--format", "json"],
                            tmp_path).stdout)
    assert data["warn_at"] == "9/10" and data["checks"][0]["near_limit"] is True
    for bad in ("0%", "101%", "0.9", "x"):
        assert check(["naive.yaml", "--max-params", "9K", "--warn-at", bad], tmp_path).returncode == 2


def test_junit_xml_structure(tmp_path):
    root = project(tmp_path)
    (root / "notes.yaml").write_text("a: 1\n")
    done = check(["naive.yaml", "bottleneck.yaml", "broken.yaml", "notes.yaml", "--budget", "budgets.yaml",
                  "--skip-non-specs", "--junit", "out.xml"], root)
    assert done.returncode == 2
    tree = ET.parse(root / "out.xml").getroot()
    assert tree.tag == "testsuites"
    suites = tree.findall("testsuite")
    assert [s.get("name") for s in suites] == ["naive.yaml", "bottleneck.yaml", "broken.yaml", "notes.yaml"]
    for suite in suites + [tree]:
        cases = suite.iter("testcase")
        cases = list(cases)
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
        assert int(suite.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)
        assert float(suite.get("time")) >= 0                       # dashboards read a time on every level
        for case in cases:
            assert case.get("classname") and case.get("name") and float(case.get("time")) >= 0
            assert len([c for c in case if c.tag in ("failure", "error", "skipped")]) <= 1
    # naive: params over (8,960 > 8,000), MACs under; bottleneck under; broken: a bad spec; notes: skipped
    assert (tree.get("tests"), tree.get("failures"), tree.get("errors"), tree.get("skipped")) == ("5", "1", "1", "1")
    [failure] = tree.iter("failure")
    assert "8,960" in failure.get("message") and "8,000" in failure.get("message")
    assert "kernl" in next(tree.iter("error")).get("message")


def test_check_prints_each_spec_as_it_finishes(tmp_path):
    """The first spec's line is on standard output before the second spec is read: the second is a FIFO
    that is written only after that line has been seen."""
    (tmp_path / "naive.yaml").write_text(NAIVE)
    fifo = tmp_path / "later.yaml"
    os.mkfifo(fifo)
    proc = subprocess.Popen([str(BIN / "cnncalc"), "check", "naive.yaml", "later.yaml", "--max-params", "9K"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("PASS  naive.yaml")
        with open(fifo, "w") as out:
            out.write(BOTTLENECK)
        rest = proc.stdout.read()
    finally:
        proc.wait(timeout=60)
    assert "later.yaml" in rest and "cnncalc check passed: 2 specs" in rest
