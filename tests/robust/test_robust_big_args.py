"""Hang guard: every layer type, every int-valued argument at 10^12 and 10^18, must end quickly with exit 0 (and
valid JSON) or exit 2 (one `cnncalc: error:` line) — never a hang, a MemoryError or a traceback (issue 6).

The table is built from the registry itself (``cnncalc.layers.registry()``): an argument is int-valued when
its check accepts an int (then it is tried as a scalar) or a list of ints (then as one value per spatial
axis, and as a short list). Each case is analysed once and stacked twice, on small inputs of each rank and
on large ones ([1, 10^9], [3, 10^5, 10^5]).

How it runs, and why: about two thousand cases, each a few milliseconds in-process, but a regression would
hang one of them, and an in-process hang cannot be interrupted reliably (a loop inside a C call ignores
signals). So ONE child process runs the cases in turn, in-process with CliRunner (one interpreter start,
not two thousand), under a 2 GiB address-space limit (an allocation proportional to an argument fails as
MemoryError → exit 3 → a test failure, instead of swapping the machine). The child reports each case when it
starts and when it ends; the parent gives every case ``CASE_GUARD_S`` seconds — a guard against hangs, not a
timing assertion — and when one overruns it kills the child, records that case as hung, and starts a new
child at the next case. With no hang, the whole table takes a few seconds.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading

import pytest

CASE_GUARD_S = 20
MEMORY_LIMIT = 2 * 1024**3
CHILD_CPU_S = 600
VALUES = (10**12, 10**18)
SMALL_INPUTS = ([8], [1, 8], [3, 8, 8], [2, 4, 4, 4])
LARGE_INPUTS = ([10**9], [1, 10**9], [3, 10**5, 10**5])
INPUTS = SMALL_INPUTS + LARGE_INPUTS
BASE = {"reshape": {"shape": [-1]}}     # required arguments that 1 (or [1]) would not satisfy
# other modes that take another path through the code, each tried with every big argument too
MODES = {"upsample": [{"mode": "linear"}, {"mode": "linear", "align_corners": True}, {"mode": "bilinear"},
                      {"mode": "bilinear", "align_corners": True}, {"mode": "trilinear"}],
         "spp": [{"mode": "avg"}], "pad": [{"mode": "reflect"}, {"mode": "replicate"}],
         "local": [{"bias": "channel"}]}


def _combinations(cls) -> list[dict]:
    """Big arguments together, where one alone would only be refused: a big kernel over big padding, a big
    stride with a big dilation (the transposed convolution's residues), a big kernel with a small stride."""
    names = {f.name for f in cls.arg_fields()}
    combos = []
    for v in VALUES:
        if {"kernel", "padding"} <= names:
            combos += [{"kernel": v, "padding": v}, {"kernel": v, "padding": "same"}, {"kernel": v, "padding": "full"}]
        if {"kernel", "stride", "padding"} <= names:
            combos += [{"kernel": v, "stride": v, "padding": "same"}]
        if {"stride", "dilation"} <= names:
            combos += [{"stride": v, "dilation": v}, {"stride": v, "dilation": 2}, {"stride": 2 * 3 * 5, "dilation": v}]
        if {"kernel", "stride"} <= names:
            combos += [{"kernel": v, "stride": 2}, {"kernel": v, "stride": v - 1}]
    return combos


def _accepts(check, value, key) -> bool:
    from cnncalc.errors import LayerArgError
    try:
        check(value, key)
    except LayerArgError:
        return False
    return True


def _base_args(cls) -> dict:
    """The required arguments, at the smallest value their check accepts."""
    from cnncalc import record
    args = {}
    for f in cls.arg_fields():
        if f.default is record.MISSING:
            check = f.metadata["rule"]
            args[f.name] = BASE.get(cls.type_name, {}).get(f.name, 1 if _accepts(check, 1, f.name) else [1])
    return args


def _layer_yaml(type_name, args, arity) -> str:
    entry = {type_name: args}
    if arity is None:
        entry["from"] = ["input", "input"]      # a merge of two inputs
    return json.dumps(entry)                     # JSON is YAML flow style


def _spec(shape, layer, times) -> str:
    return f"input: {json.dumps(shape)}\nlayers:\n" + "".join(f"  - {layer}\n" for _ in range(times))


def build_cases() -> list[tuple[str, str]]:
    """(case id, spec text) for every layer type, int-valued argument, value, form, input and depth.

    A scalar is tried on every input; a list of n values on the inputs with n spatial axes (other lengths
    are refused before any arithmetic)."""
    from cnncalc.layers import registry
    cases = []
    for type_name, cls in sorted(registry().items()):
        for base in [_base_args(cls)] + [{**_base_args(cls), **mode} for mode in MODES.get(type_name, [])]:
            where = ",".join(f"{k}={v}" for k, v in base.items())
            variants = [(f"baseline[{where}]", base, None)]
            variants += [(f"{combo}[{where}]", {**base, **combo}, None) for combo in _combinations(cls)]
            for f in cls.arg_fields():
                check = f.metadata["rule"]
                for value in VALUES:
                    if _accepts(check, value, f.name):
                        variants.append((f"{f.name}={value:.0e}[{where}]", {**base, f.name: value}, None))
                    for count in (1, 2, 3):
                        listed = [1] * (count - 1) + [value]
                        if _accepts(check, listed, f.name):
                            variants.append((f"{f.name}={listed}[{where}]", {**base, f.name: listed}, count))
            for label, args, rank in variants:
                layer = _layer_yaml(type_name, args, cls.arity)
                for shape in INPUTS:
                    if rank is not None and len(shape) - 1 != rank:
                        continue
                    for times in (1, 2):
                        cases.append((f"{type_name}:{label}:{shape}:x{times}", _spec(shape, layer, times)))
    return cases


# ----------------------------------------------------------------------------- the child process

def _child() -> None:
    """Read [(id, spec)] as JSON on stdin; print one JSON line per case started and per case finished."""
    import resource

    from click.testing import CliRunner

    from cnncalc.cli import main
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_S, CHILD_CPU_S))    # should the parent die first
    runner = CliRunner()
    for case_id, text in json.load(sys.stdin):
        print(json.dumps({"start": case_id}), flush=True)
        result = runner.invoke(main, ["analyze", "-", "--format", "json"], input=text)
        print(json.dumps({"done": case_id, "code": result.exit_code, "stdout": result.stdout,
                          "stderr": result.stderr}), flush=True)


def _forward(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _run_all(cases) -> dict:
    """{case id: outcome dict, or the string 'hung'}: the cases in children, each under the guard."""
    outcomes: dict = {}
    pending = list(cases)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
    while pending:
        child = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, env=env)
        lines: queue.Queue = queue.Queue()       # this child's lines only: the reader is bound to both
        threading.Thread(target=_forward, args=(child.stdout, lines), daemon=True).start()
        child.stdin.write(json.dumps(pending))
        child.stdin.close()
        current = None
        while True:
            try:
                line = lines.get(timeout=CASE_GUARD_S)
            except queue.Empty:
                child.kill()
                child.wait()
                outcomes[current or pending[0][0]] = "hung"
                break
            if line is None:            # the child ended: every case done, or it died on `current`
                child.wait()
                if current is not None:
                    outcomes[current] = f"the child process died (exit {child.returncode})"
                break
            message = json.loads(line)
            if "start" in message:
                current = message["start"]
            else:
                outcomes[message["done"]] = message
                current = None
        pending = [case for case in pending if case[0] not in outcomes]
    return outcomes


CASES = build_cases()


@pytest.fixture(scope="module")
def outcomes():
    return _run_all(CASES)


def test_the_table_covers_every_layer_type():
    from cnncalc.layers import registry
    covered = {case_id.split(":")[0] for case_id, _ in CASES}
    assert covered == set(registry())
    # and the arguments the bug reports named are among the cases
    ids = {case_id for case_id, _ in CASES}
    for wanted in ("upsample:scale=1e+12[mode=linear]:[1, 8]:x1",
                   "adaptive_avgpool:size=1e+18[size=1]:[1, 1000000000]:x1",
                   "conv_transpose:stride=1e+12[out=1,kernel=1]:[1, 8]:x2",
                   "conv_transpose:{'kernel': 1000000000000, 'stride': 2}[out=1,kernel=1]:[1, 8]:x1"):
        assert wanted in ids, wanted


@pytest.mark.parametrize("case_id, text", CASES, ids=[case_id for case_id, _ in CASES])
def test_big_argument_ends_cleanly(outcomes, case_id, text):
    outcome = outcomes[case_id]
    assert isinstance(outcome, dict), f"{outcome} (guard {CASE_GUARD_S} s):\n{text}"
    code, stdout, stderr = outcome["code"], outcome["stdout"], outcome["stderr"]
    assert "Traceback" not in stdout + stderr, stderr[-2000:]
    assert code in (0, 2), (code, stderr[-2000:], text)
    if code == 0:
        report = json.loads(stdout)
        assert isinstance(report, dict)
    else:
        message = stderr.strip()
        assert len(message.splitlines()) == 1 and message.startswith("cnncalc: error: "), message[:2000]


if __name__ == "__main__":
    _child()
