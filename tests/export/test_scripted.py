"""The exported files as engineers use them (issue 24): every shipped spec's file passes torch.jit.script
and the scripted network computes what the eager one does (and small ones torch.compile, fullgraph); a network exported at the spec's input runs at a
second input size wherever the spec allows one (its weights fit the network exported at that size, and the
two agree), and where it does not, forward fails loudly instead of computing something else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.errors import SpecError  # noqa: E402
from cnncalc.spec import read_spec  # noqa: E402
from tests.export.exported import load, load_module  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SEED = sorted((REPO / "specs" / "seed").glob("*.yaml"))
ZOO = sorted((REPO / "specs" / "zoo").glob("*.yaml"))
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
EXECUTE_LIMIT = 200_000_000      # more parameters than this: not executed (fc_vs_local_vs_conv_fc: 10^12)
# a second size per spec: smaller than the declared one where it is big, odd where it can be
SECOND = {"deepface": (3, 155, 149), "unet": (1, 188, 204)}
# seeds whose code holds a size of the spec's input no tensor supplies (ECA's gate expanded to [C, H, W],
# non-local's [C, H·W] reshaped back to [C, H, W]): exported, they run at the spec's size only, and forward
# refuses another naming the size it was exported for and the layer that fixes it
FIXED_SIZE = {"eca": "layer eca.gate_all expands [64, 1, 1] to [64, 14, 14]",
              "non_local": "layer non_local.y_map reshapes [32, 196] to [32, 14, 14]"}


def executable(spec) -> bool:
    return analyze(spec).totals.params <= EXECUTE_LIMIT


def scripted_agrees(path: Path, folder: Path) -> None:
    spec = read_spec(str(path))
    if not executable(spec):
        with torch.device("meta"):
            net, _ = load_module(spec, folder)
        torch.jit.script(net)        # compiles; too large to run
        return
    torch.manual_seed(0)
    net, _ = load_module(spec, folder)
    scripted = torch.jit.script(net)
    x = torch.randn(1, *spec.input_shape)
    with torch.no_grad():
        assert torch.equal(scripted(x), net(x))


def second_size(path: Path) -> None:
    spec = read_spec(str(path))
    if not executable(spec):
        return
    channels = spec.input_shape[0]
    odd = {3: (channels, 65, 81), 2: (channels, 65)}.get(len(spec.input_shape))     # [C, H, W], or [C, N] tokens
    shape = SECOND.get(path.stem, odd)
    assert shape is not None, spec.input_shape
    torch.manual_seed(0)
    net, exported = load(spec)
    x = torch.randn(1, *shape)
    # a file that holds its input's size checks it first (fixed_size, with the reason), else torch fails
    refusal = ValueError if "fixed_size(x, " in exported.text else RuntimeError
    if path.stem in FIXED_SIZE:
        exported_for = f"exported for input {list(spec.input_shape)} ({FIXED_SIZE[path.stem]})"
        with pytest.raises(ValueError, match=re.escape(exported_for)), torch.no_grad():
            net(x)
        return
    try:
        other, _ = load(read_spec(str(path), input_shape=shape))
        other.load_state_dict(net.state_dict(), strict=True)
    except (SpecError, RuntimeError):       # the spec does not allow that size (or not with these weights)
        with pytest.raises(refusal), torch.no_grad():
            net(x)
        return
    with torch.no_grad():
        torch.testing.assert_close(net(x), other(x), rtol=0, atol=0)


SMALL = [REPO / "specs" / "zoo" / "lenet5.yaml", REPO / "specs" / "seed" / "spp.yaml",
         REPO / "specs" / "seed" / "squeeze_excitation.yaml"]


@pytest.mark.parametrize("path", SMALL, ids=[p.stem for p in SMALL])
def test_small_files_script(path, tmp_path):
    # the fast tier's share of the two below (SPP's module and a block with a gate)
    scripted_agrees(path, tmp_path)


@pytest.mark.parametrize("path", SEED, ids=[p.stem for p in SEED])
def test_every_seed_file_scripts(path, tmp_path):
    scripted_agrees(path, tmp_path)


@pytest.mark.parametrize("path", ZOO, ids=[p.stem for p in ZOO])
def test_every_zoo_file_scripts(path, tmp_path):
    scripted_agrees(path, tmp_path)


@pytest.mark.parametrize("path", SEED + ZOO, ids=[p.stem for p in SEED + ZOO])
def test_every_file_runs_at_a_second_size_or_refuses_it(path):
    second_size(path)


def test_a_tf_same_padding_is_computed_for_the_input_it_gets():
    # mobilenet_v1's stride-2 convolutions pad TensorFlow's 'same': 0 before and 1 after at 224
    # ((112 − 1)·2 + 3 − 224 = 1), 1 and 1 at 225 ((113 − 1)·2 + 3 − 225 = 2); the file exported at 224
    # runs at 225 as the export at 225 does (it computed F.pad(x, (0, 1, 0, 1)) once, and ran wrong there)
    spec = read_spec("zoo:mobilenet_v1")
    net, exported = load(spec)
    assert "pad_same(x, [3, 3], [2, 2], [1, 1])" in exported.text
    other, _ = load(read_spec("zoo:mobilenet_v1", input_shape=(3, 225, 225)))
    other.load_state_dict(net.state_dict())
    x = torch.randn(1, 3, 225, 225)
    with torch.no_grad():
        assert torch.equal(net(x), other(x))


def test_shufflenet_runs_at_256():
    # the channel shuffle reads its sizes from the tensor (it was reshape(-1, 2, 58, 28, 28), which fails
    # at 256×256)
    net, exported = load(read_spec("zoo:shufflenet_v2"))
    assert "channel_shuffle(" in exported.text
    with torch.no_grad():
        assert tuple(net(torch.randn(1, 3, 256, 256)).shape) == (1, 1000)


@pytest.mark.parametrize("path", SMALL, ids=[p.stem for p in SMALL])
def test_small_files_compile_without_graph_breaks(path, tmp_path):
    # torch.compile with fullgraph=True fails on any graph break; aot_eager traces forward and backward
    # graphs without needing a C++ compiler
    spec = read_spec(str(path))
    torch.manual_seed(0)
    net, _ = load_module(spec, tmp_path)
    compiled = torch.compile(net, backend="aot_eager", fullgraph=True)
    x = torch.randn(1, *spec.input_shape)
    with torch.no_grad():
        assert torch.equal(compiled(x), net(x))
