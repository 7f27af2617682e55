"""PyInstaller hook for sqlite-vec: its loadable SQLite extension, where it can be loaded.

``sqlite_vec.load`` opens ``vec0`` (``.so``, ``.dylib``, ``.dll``) beside its ``__init__``, a
file no import analysis can find. Hearth loads it only where Python's sqlite3 can load
extensions (``desktop/core/documents/_vectors.py``; otherwise NumPy scans the vectors). A
bundle carries the Python that built it, so the extension is shipped only if that Python's
sqlite3 has ``enable_load_extension``: elsewhere (a Python built without
``--enable-loadable-sqlite-extensions``) it could never be loaded.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

binaries = []
_spec = importlib.util.find_spec("sqlite_vec")
if (hasattr(sqlite3.Connection, "enable_load_extension") and _spec is not None
        and _spec.origin is not None):
    binaries = [(str(path), "sqlite_vec") for path in Path(_spec.origin).parent.glob("vec0.*")
                if path.suffix in (".so", ".dylib", ".dll")]
