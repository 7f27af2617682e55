"""Measured energy from Linux RAPL (``/sys/class/powercap/intel-rapl:*``), where readable.

RAPL counts the microjoules the CPU package (and, on some machines, the whole platform) has
used since boot. Reading the counter before and after an answer gives the energy spent on it,
measured rather than estimated, with two caveats every figure from here carries in its text:
the counter includes whatever else the computer did meanwhile, and it does not see a
discrete GPU.

Since Linux 5.10 ``energy_uj`` is readable by root only (the PLATYPUS side channel,
CVE-2020-8694), so on most desktops this finds nothing and Hearth falls back to an estimate.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

POWERCAP_ROOT = Path("/sys/class/powercap")

# Top-level zones only ("intel-rapl:0"); sub-zones ("intel-rapl:0:0", the cores) are already
# inside their package's count and would be counted twice.
_TOP_LEVEL = re.compile(r"^intel-rapl:\d+$")
_UJ_PER_J = 1_000_000


@dataclass(frozen=True, slots=True)
class RaplZone:
    """One counter: its sysfs folder, its name (``package-0``, ``psys``) and where it wraps."""

    path: Path
    name: str
    max_energy_range_uj: int


@dataclass(frozen=True, slots=True)
class RaplReading:
    """The counters of every zone at one moment (``None`` where a read failed)."""

    counters: tuple[int | None, ...]
    monotonic_s: float


@dataclass(slots=True)
class Measurement:
    """Filled in when a ``RaplMeter.measure()`` block ends: joules, or ``None`` if unknown."""

    joules: float | None = None
    duration_s: float | None = None
    zones: tuple[str, ...] = field(default=())


class RaplMeter:
    """Reads the RAPL counters under ``root`` (injectable, so tests can build a fake tree)."""

    def __init__(self, root: Path = POWERCAP_ROOT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.root = Path(root)
        self._clock = clock
        self.zones = _zones(self.root)

    @property
    def available(self) -> bool:
        """True when at least one counter could be read when the meter was made."""
        return bool(self.zones)

    def describe(self) -> str:
        names = ", ".join(zone.name for zone in self.zones) or "none"
        return f"RAPL counters ({names})"

    def read(self) -> RaplReading:
        return RaplReading(tuple(_read_int(z.path / "energy_uj") for z in self.zones),
                           self._clock())

    def joules_between(self, start: RaplReading, end: RaplReading) -> float | None:
        """Energy from ``start`` to ``end``; ``None`` if any counter could not be read.

        A counter that went down has wrapped past ``max_energy_range_uj`` (once: they wrap
        after hours at full load, far longer than an answer).
        """
        if not self.zones or len(start.counters) != len(end.counters):
            return None
        total_uj = 0
        for zone, before, after in zip(self.zones, start.counters, end.counters, strict=True):
            if before is None or after is None:
                return None
            delta = after - before
            if delta < 0:
                delta += zone.max_energy_range_uj
            if delta < 0:
                return None  # nonsense (a counter reset, or a range smaller than reported)
            total_uj += delta
        return total_uj / _UJ_PER_J

    @contextmanager
    def measure(self) -> Iterator[Measurement]:
        """``with meter.measure() as m: ...`` leaves the block's energy in ``m.joules``."""
        result = Measurement(zones=tuple(zone.name for zone in self.zones))
        start = self.read()
        try:
            yield result
        finally:
            end = self.read()
            result.joules = self.joules_between(start, end)
            result.duration_s = end.monotonic_s - start.monotonic_s


def _zones(root: Path) -> tuple[RaplZone, ...]:
    """The readable top-level zones; ``psys`` alone when present (it contains the packages)."""
    try:
        folders = sorted(p for p in root.iterdir() if _TOP_LEVEL.match(p.name))
    except OSError:
        return ()  # no powercap at all: not Linux, a VM, or a kernel without RAPL
    zones = []
    for folder in folders:
        name = _read_text(folder / "name") or folder.name
        max_range = _read_int(folder / "max_energy_range_uj")
        if max_range is None or max_range <= 0 or _read_int(folder / "energy_uj") is None:
            continue  # unreadable (root only) or incomplete: this zone is unknown
        zones.append(RaplZone(folder, name, max_range))
    platform = [zone for zone in zones if zone.name == "psys"]
    return tuple(platform or zones)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _read_int(path: Path) -> int | None:
    text = _read_text(path)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None
