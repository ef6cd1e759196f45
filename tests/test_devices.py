"""Device profiles: every shipped one loads and cites a source for each figure; a user's bad profile gets
one located error."""

from __future__ import annotations

import pytest

from cnncalc import devices
from cnncalc.errors import SpecError

SHIPPED = ["a100", "apple-a17-pro", "h100", "jetson-orin-nano", "raspberry-pi-5", "stm32h7", "t4"]


def test_the_catalogue():
    assert devices.shipped() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_figure_says_what_it_is_and_cites_a_public_source(name):
    device = devices.find(name)
    for figure in [device.bandwidth, *device.peak.values()]:
        assert figure.value > 0 and figure.what.strip()
        assert "https://" in figure.source
    if "derived" in " ".join(f.what for f in [device.bandwidth, *device.peak.values()]):
        assert any("derived" in f.what for f in device.peak.values()) or "derived" in device.bandwidth.what


def test_published_figures_exactly():
    # The vendors' numbers, as printed on the pages cited in the profiles.
    t4 = devices.find("t4")
    assert (t4.bandwidth.value, t4.peak["float32"].value, t4.peak["int8"].value) == (320 * 10**9, 81 * 10**11,
                                                                                    130 * 10**12)
    a100 = devices.find("a100")
    assert (a100.bandwidth.value, a100.peak["float16"].value) == (2039 * 10**9, 312 * 10**12)
    h100 = devices.find("h100")
    # float32 on Ampere and Hopper runs on TF32 Tensor Cores by default (cuDNN): A100's datasheet gives 156
    # TFLOPS dense; H100's page 989 TFLOPS with sparsity, 494.5 dense; Orin Nano's, half its 10 T FP16 derived
    assert (a100.peak["float32"].value, a100.peak["float32"].arithmetic) == (156 * 10**12, "tf32")
    assert (h100.bandwidth.value, h100.peak["float32"].value) == (3350 * 10**9, 4945 * 10**11)
    assert devices.find("jetson-orin-nano").peak["float32"].value == devices.find("jetson-orin-nano").peak[
        "float16"].value // 2 == 5 * 10**12
    # derived ones: 4 × 2.4 GHz × 2 × 4 × 2; 2 × 480 MHz; 4 bytes × 4,267 MT/s
    assert devices.find("raspberry-pi-5").peak["float32"].value == 4 * 2_400_000_000 * 2 * 4 * 2
    assert devices.find("raspberry-pi-5").bandwidth.value == 4 * 4267 * 10**6
    assert devices.find("stm32h7").peak["float32"].value == 2 * 480 * 10**6


def test_a_user_profile_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nbandwidth: {value: 1GiB, what: w, source: s}\n"
                    "peak: {float16: {value: 2.5G, what: w, source: s}}\n")
    device = devices.find(str(path))
    assert (device.name, device.title, device.bandwidth.value, device.peak["float16"].value) == (
        "mine", "mine", 2**30, 2_500_000_000)


GOOD = "name: x\nbandwidth: {value: 1GB, what: w, source: s}\npeak:\n  float32: {value: 1G, what: w, source: s}\n"


@pytest.mark.parametrize("text, where, message", [
    (GOOD.replace("name: x", "name: x\nspeed: 3"), "p.yaml:2:1", "unknown key 'speed' in a device profile"),
    (GOOD.replace("float32", "flaot32"), "p.yaml:4:3", "unknown dtype 'flaot32' (did you mean 'float32'?)"),
    (GOOD.replace("value: 1G,", "value: 1GB,"), "p.yaml:4:13", "is a byte size"),
    (GOOD.replace("value: 1GB,", "value: 1G,"), "p.yaml:2:13", "ambiguous for a byte size"),
    (GOOD.replace(", source: s}\npeak", "}\npeak"), "p.yaml:2:12", "'bandwidth' needs 'source'"),
    (GOOD.replace("1GB, what: w", "1GB, what: ''"), "p.yaml:2:25",
     "'bandwidth.what' must be a non-empty text"),
    (GOOD.replace("value: 1G,", "value: 0,"), "p.yaml:4:3", "'peak.float32' must be above 0"),
    ("name: x\nbandwidth: {value: 1GB, what: w, source: s}\n", "p.yaml:1:1", "a device profile needs 'peak'"),
    ("- 1\n", "p.yaml:1:1", "a device profile is a mapping"),
    ("name: [x\n", "p.yaml:2:1", "YAML error"),
])
def test_errors_are_located(text, where, message):
    with pytest.raises(SpecError) as caught:
        devices.parse_device(text, "p.yaml")
    assert str(caught.value).startswith(where + ": ")
    assert message in str(caught.value)


def test_unknown_device_names_the_catalogue():
    with pytest.raises(SpecError, match="unknown device 'jetson-orin-nan' .*did you mean 'jetson-orin-nano'.*shipped: a100"):
        devices.find("jetson-orin-nan")
