"""What the window's start loads: only what showing the first window needs.

The heavy libraries of features used later (downloads: httpx; documents: NumPy, pypdf,
python-docx; the local server: FastAPI; rendering Markdown: markdown-it, Pygments) load on
first use, so that they do not delay the window (tests/perf/bench_ui.py measures the start).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# What ``hearth`` imports before the window is shown: desktop/app.py and its run_app().
START_PATH = ("import desktop.app, desktop.ui.assets, desktop.ui.main_window,"
              " desktop.ui.settings_follow")
NOT_AT_START = ("httpx", "numpy", "fastapi", "starlette", "uvicorn", "pypdf", "docx",
                "markdown_it", "pygments")


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr[-2000:]
    return set(done.stdout.split())


def test_the_window_start_path_loads_no_library_of_a_later_feature() -> None:
    modules = _modules_after(START_PATH)
    assert "desktop.ui.main_window" in modules and "PySide6.QtWidgets" in modules
    loaded = sorted(m for m in modules if m.split(".")[0] in NOT_AT_START)
    assert not loaded, f"imported at start: {loaded}"


def test_the_names_loaded_on_first_use_still_import() -> None:
    modules = _modules_after(
        "from desktop.core.catalog import ModelRegistry, fetch, install_catalog_model\n"
        "from desktop.core.documents import Library\n"
        "assert callable(fetch) and callable(install_catalog_model)\n"
        "assert Library.__name__ == 'Library' and ModelRegistry.__name__ == 'ModelRegistry'")
    assert {"httpx", "numpy"} <= modules  # they came with the names that need them


@pytest.mark.parametrize("package", ["desktop.core.catalog", "desktop.core.documents"])
def test_an_unknown_name_is_still_an_attribute_error(package: str) -> None:
    module = __import__(package, fromlist=["_"])
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018 - the access is what is tested
