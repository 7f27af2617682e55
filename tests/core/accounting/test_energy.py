"""Local energy: the RAPL reader on a fake sysfs tree, and measured versus estimated cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.accounting.energy import local_energy_cost
from desktop.core.accounting.power import RaplMeter

MAX_RANGE = 262_143_328_850  # a real package's max_energy_range_uj


def _zone(root: Path, folder: str, name: str, energy_uj: int | str,
          max_range: int | str = MAX_RANGE) -> Path:
    zone = root / folder
    zone.mkdir(parents=True)
    (zone / "name").write_text(f"{name}\n", encoding="ascii")
    (zone / "energy_uj").write_text(f"{energy_uj}\n", encoding="ascii")
    (zone / "max_energy_range_uj").write_text(f"{max_range}\n", encoding="ascii")
    return zone


def _set(zone: Path, energy_uj: int) -> None:
    (zone / "energy_uj").write_text(f"{energy_uj}\n", encoding="ascii")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sums_the_packages_and_ignores_their_subzones(tmp_path: Path) -> None:
    package0 = _zone(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    package1 = _zone(tmp_path, "intel-rapl:1", "package-1", 5_000_000)
    cores = _zone(tmp_path, "intel-rapl:0:0", "core", 0)
    meter = RaplMeter(tmp_path)
    assert meter.available and [z.name for z in meter.zones] == ["package-0", "package-1"]
    start = meter.read()
    _set(package0, 3_500_000)
    _set(package1, 6_000_000)
    _set(cores, 999_000_000)  # inside package-0 already: counting it would double it
    assert meter.joules_between(start, meter.read()) == pytest.approx(3.5)
    assert "package-0" in meter.describe()


def test_a_counter_that_wrapped_around(tmp_path: Path) -> None:
    package = _zone(tmp_path, "intel-rapl:0", "package-0", MAX_RANGE - 1_000_000)
    meter = RaplMeter(tmp_path)
    start = meter.read()
    _set(package, 500_000)
    assert meter.joules_between(start, meter.read()) == pytest.approx(1.5)


def test_psys_alone_when_the_platform_counter_exists(tmp_path: Path) -> None:
    _zone(tmp_path, "intel-rapl:0", "package-0", 0)
    _zone(tmp_path, "intel-rapl:1", "psys", 0)
    assert [z.name for z in RaplMeter(tmp_path).zones] == ["psys"]


def test_no_powercap_tree_is_unavailable(tmp_path: Path) -> None:
    meter = RaplMeter(tmp_path / "missing")
    assert not meter.available
    assert meter.joules_between(meter.read(), meter.read()) is None


def test_unreadable_or_garbled_counters_are_left_out(tmp_path: Path) -> None:
    # energy_uj is root-only since Linux 5.10; a folder in its place cannot be read even by
    # root, which is what the tests run as in some containers.
    zone = tmp_path / "intel-rapl:0"
    (zone / "energy_uj").mkdir(parents=True)
    (zone / "max_energy_range_uj").write_text(f"{MAX_RANGE}\n", encoding="ascii")
    _zone(tmp_path, "intel-rapl:1", "package-1", "not a number")
    _zone(tmp_path, "intel-rapl:2", "package-2", 10, max_range=0)
    assert not RaplMeter(tmp_path).available


def test_a_counter_that_vanishes_mid_answer_makes_the_energy_unknown(tmp_path: Path) -> None:
    package = _zone(tmp_path, "intel-rapl:0", "package-0", 1_000)
    meter = RaplMeter(tmp_path)
    start = meter.read()
    (package / "energy_uj").unlink()
    assert meter.joules_between(start, meter.read()) is None


def test_measure_block_reports_joules_and_duration(tmp_path: Path) -> None:
    package = _zone(tmp_path, "intel-rapl:0", "package-0", 0)
    clock = Clock()
    meter = RaplMeter(tmp_path, clock=clock)
    with meter.measure() as measured:
        _set(package, 42_000_000)
        clock.now += 2.0
    assert measured.joules == pytest.approx(42.0) and measured.duration_s == 2.0
    assert measured.zones == ("package-0",)


def test_measured_energy_times_the_tariff() -> None:
    cost = local_energy_cost(2.0, 0.0, 0.30, measured_joules=3_600_000.0)
    assert cost.kind == "measured" and cost.joules == 3_600_000.0
    assert cost.usd == pytest.approx(0.30)  # one kWh
    assert cost.basis.startswith("measured: ") and "RAPL" in cost.basis


def test_measured_energy_without_a_tariff_has_no_price() -> None:
    cost = local_energy_cost(2.0, 50.0, 0.0, measured_joules=12.0)
    assert (cost.kind, cost.joules, cost.usd) == ("measured", 12.0, None)
    assert "electricity_usd_per_kwh" in cost.basis


def test_estimate_from_the_configured_watts() -> None:
    cost = local_energy_cost(36.0, 100.0, 0.30)
    # 100 W × 36 s = 3600 J = 0.001 kWh
    assert cost.kind == "estimated" and cost.joules == 3600.0
    assert cost.usd == pytest.approx(0.0003)
    assert cost.basis == ("estimated: 100 W (your power setting) for 36.00 s at your "
                          "electricity price of $0.3/kWh")


@pytest.mark.parametrize(("duration", "watts", "tariff", "hint"), [
    (None, 100.0, 0.3, "no duration"),
    (10.0, 0.0, 0.3, "device_watts to"),
    (10.0, 0.0, 0.0, "device_watts and accounting.electricity_usd_per_kwh"),
])
def test_unknown_without_the_inputs(duration: float | None, watts: float, tariff: float,
                                    hint: str) -> None:
    cost = local_energy_cost(duration, watts, tariff)
    assert (cost.kind, cost.usd) == ("unknown", None) and hint in cost.basis
