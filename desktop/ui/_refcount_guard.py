"""Keep PySide6 6.12 from freeing ``None``, ``True`` and ``False`` on CPython 3.11.

PySide6 6.12.0 returns ``None`` from every wrapped C++ ``void`` method, and ``True`` from
``Signal.emit`` (``False`` from a failed ``disconnect``), without taking a new reference to it
(6.11.3 does not). From CPython 3.12 on these objects are immortal and nothing happens; on 3.11
every such call drops one reference, and after a few thousand of them (seconds of streaming)
the interpreter aborts with "Fatal Python error: none_dealloc" or "bool_dealloc".

The leak is measured at start-up rather than assumed from version numbers; where it exists,
the three objects get a reserve of references no session can use up, which is what 3.12 does.
"""

from __future__ import annotations

import ctypes
import gc
import sys

_RESERVE = 1 << 48
_PROBE_CALLS = 64
_guarded = False


def leaked_references() -> dict[str, int]:
    """References to ``None`` and ``True`` lost by ``_PROBE_CALLS`` wrapped calls of each kind."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        pinged = Signal()

    probe = _Probe()
    none_before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")
    none_lost = none_before - sys.getrefcount(None)
    true_before = sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.pinged.emit()
    true_lost = true_before - sys.getrefcount(True)
    return {"None": none_lost, "True": true_lost}


def guard_singletons() -> bool:
    """Give ``None``, ``True`` and ``False`` a reserve if this PySide6 leaks them.

    True when the reserve is in place (now or from an earlier call).
    """
    global _guarded
    if _guarded:
        return True
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return False  # immortal singletons, or a debug build whose objects start differently
    lost = leaked_references()
    if max(lost.values()) < _PROBE_CALLS // 2:
        return False
    for singleton in (None, True, False):
        _add_references(singleton, _RESERVE)
    _guarded = True
    return True


def _add_references(obj: object, count: int) -> None:
    # ob_refcnt is the first field of every object in a release build of CPython. The
    # collector is paused so that no finalizer drops a reference between the read and the
    # write; the check only has to tell a working write from one that missed the counter.
    refcount = ctypes.c_ssize_t.from_address(id(obj))
    collecting = gc.isenabled()
    gc.disable()
    try:
        before = sys.getrefcount(obj)
        refcount.value += count
        if sys.getrefcount(obj) - before < count // 2:
            refcount.value -= count
            raise RuntimeError("unexpected object layout: cannot guard the PySide6 leak")
    finally:
        if collecting:
            gc.enable()
