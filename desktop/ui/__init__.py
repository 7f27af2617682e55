"""The desktop window (PySide6). It drives ``desktop.core`` and holds no rule of its own."""

from desktop.ui._refcount_guard import guard_singletons

# Before any other Qt call is made: see _refcount_guard.py.
guard_singletons()

__all__ = ["guard_singletons"]
