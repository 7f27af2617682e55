"""``python -m tests.perf`` (``make bench``): every benchmark, one after the other."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import tests.perf


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(tests.perf.__path__)
                   if m.name.startswith("bench_"))
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"tests.perf.{name}")
        saved, sys.argv = sys.argv, [name]
        try:
            module.main()
        finally:
            sys.argv = saved
    return 0


if __name__ == "__main__":
    sys.exit(main())
