"""The specs shipped with cnncalc (zoo:NAME, seed:NAME), `cnncalc zoo`, the wheel carrying them, shell
completion of SPEC arguments, and the two examples ending every command's --help."""

from __future__ import annotations

import glob
import json
import os
import shlex
import subprocess
import sys
import zipfile

import pytest
from extras import require_dot

from cnncalc.cli import COMMANDS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _files(namespace):
    return sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(ROOT, "specs", namespace, "*.yaml")))


def test_zoo_lists_every_shipped_spec_with_its_figures(cli):
    code, out, _ = cli("zoo", "--format", "json")
    assert code == 0
    listed = {item["spec"]: item for item in json.loads(out)["specs"]}
    expected = [f"zoo:{n}" for n in _files("zoo")] + [f"seed:{n}" for n in _files("seed")]
    # zoo + seed, counted by hand: issue 22 added swin_t, maxvit_t, vit_b_16 and six attention seeds
    assert list(listed) == expected and len(expected) == 21 + 21
    # torchvision's published counts (its model documentation), not cnncalc's output
    assert listed["zoo:resnet50"]["params"] == 25_557_032 and listed["zoo:resnet50"]["input"] == [3, 224, 224]
    assert listed["zoo:resnet18"]["params"] == 11_689_512
    assert listed["zoo:vgg16"]["params"] == 138_357_544
    assert listed["zoo:efficientnet"]["params"] == 5_288_548          # EfficientNet_B0_Weights: the default
    assert listed["zoo:swin_t"]["params"] == 28_288_354                # Swin_T_Weights.IMAGENET1K_V1
    # the inception module by hand (the spec's description): 256 + 128 + 1,152 + 128 + 3,200 + 256 weights
    assert listed["seed:inception_bottleneck"]["params"] == 256 + 128 + 1152 + 128 + 3200 + 256
    code, out, _ = cli("zoo", "seed")
    assert code == 0 and "seed:spp" in out and "zoo:" not in out and "25,557,032" not in out
    code, out, _ = cli("zoo")
    assert code == 0 and "zoo:resnet50" in out and "25,557,032" in out


def test_a_shipped_name_reads_the_shipped_file(cli):
    code, by_name, _ = cli("analyze", "zoo:resnet50", "--format", "json")
    code2, by_path, _ = cli("analyze", os.path.join(ROOT, "specs", "zoo", "resnet50.yaml"), "--format", "json")
    assert code == code2 == 0
    a, b = json.loads(by_name), json.loads(by_path)
    assert a["source"] == "zoo:resnet50"
    a.pop("source"), b.pop("source")
    assert a == b
    assert cli("analyze", "seed:spp.yaml", "--format", "json")[0] == 0
    code, out, err = cli("analyze", "zoo:resnet5")
    assert code == 2 and out == ""
    assert "no shipped spec 'zoo:resnet5'" in err and "did you mean 'zoo:resnet50'" in err
    assert cli("analyze", "zoo:../seed/spp")[0] == 2


def test_the_wheel_carries_the_specs_and_runs_from_an_empty_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    ROOT], check=True, capture_output=True)
    (wheel,) = wheels.glob("cnncalc-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for namespace in ("zoo", "seed"):
        for name in _files(namespace):
            assert f"cnncalc/specs/{namespace}/{name}.yaml" in names
    empty = tmp_path / "empty"
    empty.mkdir()
    code = ("import cnncalc, sys; assert cnncalc.__file__.startswith(sys.argv[1]), cnncalc.__file__\n"
            "from cnncalc.cli import main; main(['analyze', 'zoo:resnet50', '--format', 'json'])")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site")], cwd=empty, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["params"] == 25_557_032
    # the runtime profiles are package data too: --runtime works from the wheel (issue 20)
    from cnncalc import runtimes
    assert {f"cnncalc/runtimes/{name}.yaml" for name in runtimes.SHIPPED} <= names
    code = ("from cnncalc.cli import main; main(['analyze', 'zoo:mobilenet_v2', '--dtype', 'int8', '--runtime', "
            "'tinyengine', '--format', 'json'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=empty, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["runtime"]["name"] == "tinyengine"


def _cnncalc(env_extra: dict, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "cnncalc"), *args], env=env,
                          capture_output=True, text=True)


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F"), ("zsh", "compdef"),
                                           ("fish", "complete --no-files --command cnncalc")])
def test_completion_scripts(shell, marker):
    done = _cnncalc({"_CNNCALC_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0 and marker in done.stdout


def test_spec_arguments_complete_files_and_shipped_names(tmp_path):
    done = _cnncalc({"_CNNCALC_COMPLETE": "bash_complete", "COMP_WORDS": "cnncalc analyze zoo:res", "COMP_CWORD": "2"})
    assert done.returncode == 0
    items = [tuple(line.split(",", 1)) for line in done.stdout.splitlines()]
    assert ("plain", "zoo:resnet18") in items and ("plain", "zoo:resnet50") in items
    assert ("file", "zoo:res") in items                     # and the shell completes file names too
    for command in ("compare", "check", "verify", "graph"):
        done = _cnncalc({"_CNNCALC_COMPLETE": "bash_complete", "COMP_WORDS": f"cnncalc {command} sp",
                         "COMP_CWORD": "2"})
        assert "file,sp" in done.stdout.splitlines(), command


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_ends_with_two_real_examples(cli, tmp_path, monkeypatch, command):
    code, out, _ = cli(command, "--help")
    assert code == 0
    lines = out.rstrip("\n").splitlines()
    assert lines[-3].strip() == "Examples:"
    examples = [line.strip() for line in lines[-2:]]
    assert all(line.startswith(f"cnncalc {command}") for line in examples), examples
    monkeypatch.chdir(tmp_path)                             # files an example writes land here
    if command == "import":                                 # the ONNX files its examples read
        from tests.onnximport.models import help_example_models
        help_example_models(tmp_path)
    for example in examples:
        words = shlex.split(example.split(" > ")[0])
        if command == "graph" and {"svg", "png"} & set(words):
            require_dot()                                   # graph renders SVG and PNG through Graphviz
        code, out, err = cli(*words[1:])
        assert code == 0, (example, err)
        assert out or any(tmp_path.iterdir()), example
