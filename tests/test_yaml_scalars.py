"""The one-pass reader's scalars (spec/yamlsource._read): a plain scalar whose first character no implicit
resolver looks at, and every quoted scalar, is taken as text without resolving; everything else is resolved
and constructed as PyYAML's safe loader does, YAML 1.2's floats such as 1e-5 being numbers. Both paths
against that oracle, and the '$' flag that lets the builder skip substitution."""

from __future__ import annotations

import datetime
import re

import yaml
from hypothesis import given, settings, strategies as st

from cnncalc.spec.yamlsource import load_document

# first characters with and without implicit resolvers (null, bool, int, float, timestamp, merge, value)
FIRST = list("abcdeghijklmpqrsuvwxz_ABCDEGHIJKLMPQRSUVWXZ" "yYnNoOtTfF" "0123456789" ".-+~=" "$")
REST = st.text(alphabet=list("abcnoeflrusy0123456789._-+:$xXeE"), max_size=6)
WORDS = ["null", "Null", "NULL", "~", "true", "True", "false", "yes", "no", "on", "off", "y", "n",
         "0x1f", "0o17", "0b101", "1_000", "1e3", ".inf", "-.inf", ".nan", "2001-12-14", "1:30", "=", "12",
         "1e-5", "-2E+3", "1.0e5", ".5e1", "1.e2", "1e", "e5", "1_0e3", "1.5e-3"]


class Yaml12Floats(yaml.SafeLoader):
    """The oracle: PyYAML's safe loader, and after its own resolvers YAML 1.2's float of the core schema
    (YAML 1.2.2, §10.3.2: ``[-+]? ( \\. [0-9]+ | [0-9]+ ( \\. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?``), so that
    1e-5 is a number as YAML 1.2 reads it (PyYAML's YAML 1.1 wants a dot and a signed exponent)."""


Yaml12Floats.add_implicit_resolver("tag:yaml.org,2002:float",
                                   re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"),
                                   list("-+.0123456789"))


@st.composite
def scalar(draw) -> str:
    text = draw(st.sampled_from(WORDS)) if draw(st.booleans()) else draw(st.sampled_from(FIRST)) + draw(REST)
    style = draw(st.sampled_from(["plain", "single", "double"]))
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


@settings(max_examples=300, deadline=None)
@given(st.lists(scalar(), min_size=1, max_size=8))
def test_scalars_read_as_safe_load_reads_them(items):
    text = "layers:\n" + "".join(f"  - {{k{i}: {item}}}\n" for i, item in enumerate(items)) + \
           "flow: [" + ", ".join(items) + "]\n"
    try:
        expected = yaml.load(text, Loader=Yaml12Floats)
    except yaml.YAMLError:
        return                        # not YAML (a plain scalar such as '-x' at a flow position): not this test's
    try:
        value, dollars = load_document(text, "t.yaml")
    except Exception as err:          # the loader refuses more than safe_load (a huge integer): never a str
        assert "integer" in str(err), err
        return
    assert value == expected
    assert [type(v) for v in value["flow"]] == [type(v) for v in expected["flow"]]
    # the flag is never False where a text holds a '$'; without one it is False, unless a timestamp sent the
    # document to PyYAML's composer (the flag is then True: not known)
    if any("$" in t for t in _texts(expected)):
        assert dollars is True
    elif not any(isinstance(v, (datetime.date, datetime.datetime)) for v in value["flow"]):
        assert dollars is False


def test_dollar_flag_is_true_for_documents_left_to_pyyaml():
    value, dollars = load_document("a: &x 1\nb: *x\n", "t.yaml")
    assert value == {"a": 1, "b": 1} and dollars is True


def test_an_eps_written_as_most_code_writes_it_is_a_number():
    # torch writes eps=1e-5; PyYAML alone reads `1e-5` as text, which a spec would refuse ("must be a number")
    from tests.conftest import report_of
    report = report_of("input: [3, 8, 8]\nlayers:\n  - {conv: {out: 4, kernel: 3}}\n  - {batchnorm: {eps: 1e-5}}\n")
    assert report.rows[-1].params == 2 * 4          # γ and β of 4 channels: the layer was read
