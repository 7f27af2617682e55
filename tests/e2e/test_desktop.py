"""The real ``hearth`` program under a real X server: typed question, answer, screenshot, exit.

Needs Xvfb and xdotool (and ImageMagick's ``import`` for the screenshots); CI installs them.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / ".cache" / "screenshots"
START_TIMEOUT_S = 60.0
ANSWER_TIMEOUT_S = 120.0
EXIT_TIMEOUT_S = 30.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
                       reason="the end-to-end test needs Xvfb and xdotool "
                              "(apt-get install xvfb xdotool imagemagick)"),
]

# What must never appear on stderr: a traceback, an error or warning from Python, Qt or
# llama.cpp, a thread destroyed while running, a crash.
_ALARMING = re.compile(r"traceback|error|warning|fatal|critical|abort|segmentation|"
                       r"exception|qthread|destroyed|leak", re.IGNORECASE)


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    """A private X server on a free display number (Xvfb picks it and tells us)."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x820x24", "-nolisten",
         "tcp", "-noreset"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            pytest.fail("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _env(display: str, tmp_path: Path) -> dict[str, str]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb",
               XDG_RUNTIME_DIR=str(runtime), PYTHONFAULTHANDLER="1")
    for name in ("WAYLAND_DISPLAY", "QT_SCALE_FACTOR", "QT_STYLE_OVERRIDE"):
        env.pop(name, None)
    return env


def _hearth_command() -> list[str]:
    script = Path(sys.executable).with_name("hearth")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop"]


def _xdotool(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True,
                          timeout=30, check=False)
    return done.stdout.strip()


def _wait_for_window(env: dict[str, str], process: subprocess.Popen[bytes],
                     name: str = "Hearth") -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, stderr = process.communicate()
            pytest.fail(f"hearth exited ({process.returncode}) before showing its window:\n"
                        + stderr.decode("utf-8", "replace"))
        found = _xdotool(env, "search", "--onlyvisible", "--name", f"^{name}$"
                         if name != "Hearth" else name)
        if found:
            return found.splitlines()[-1]
        time.sleep(0.2)
    pytest.fail(f"the {name} window did not appear")


def _complete_answers(database: Path) -> int:
    if not database.exists():
        return 0
    with sqlite3.connect(database, timeout=5) as conn:
        row = conn.execute("SELECT count(*) FROM messages WHERE role = 'assistant'"
                           " AND status = 'complete'").fetchone()
    return int(row[0])


def _questions(database: Path) -> list[str]:
    if not database.exists():
        return []
    with sqlite3.connect(database, timeout=5) as conn:
        return [r[0] for r in conn.execute(
            "SELECT content FROM messages WHERE role = 'user' ORDER BY id")]


def _ask_with_the_keyboard(env: dict[str, str], window: str, question: str,
                           database: Path) -> None:
    """Type like a user; press Enter until the model has loaded and the question is taken."""
    answers = _complete_answers(database)
    asked = len(_questions(database))
    _xdotool(env, "windowfocus", "--sync", window)
    _xdotool(env, "type", "--delay", "15", question)
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while len(_questions(database)) == asked:
        assert time.monotonic() < deadline, "the question was never sent"
        _xdotool(env, "key", "Return")  # ignored until the model is ready
        time.sleep(0.5)
    assert _questions(database)[-1] == question
    while _complete_answers(database) == answers:
        assert time.monotonic() < deadline, "no complete answer was saved"
        time.sleep(0.2)


def _screenshot(env: dict[str, str], window: str, path: Path) -> None:
    if shutil.which("import") is None:
        return
    time.sleep(0.5)  # let the last frame of the answer be painted
    subprocess.run(["import", "-window", window, str(path)], env=env, check=True,
                   capture_output=True, timeout=30)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / path.name)


def _alarming(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if _ALARMING.search(line)]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_type_a_question_get_an_answer_and_quit(display: str, tmp_path: Path,
                                                settings: Settings, theme: str,
                                                hearth_dirs: tuple[Path, Path]) -> None:
    settings.set("ui.theme", theme)
    settings.set("local.max_tokens", 80)
    database = hearth_dirs[1] / "hearth.sqlite3"
    env = _env(display, tmp_path)
    process = subprocess.Popen(_hearth_command(), env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        window = _wait_for_window(env, process)
        _ask_with_the_keyboard(env, window, "What is a hearth?", database)
        _ask_with_the_keyboard(env, window, "And why keep it *local*?", database)
        _screenshot(env, window, tmp_path / f"hearth-{theme}.png")
        _xdotool(env, "key", "ctrl+d")  # the dashboard, with its charts, on a real display
        dashboard = _wait_for_window(env, process, "Dashboard")
        _screenshot(env, dashboard, tmp_path / f"hearth-dashboard-{theme}.png")
        _xdotool(env, "windowfocus", "--sync", dashboard)
        _xdotool(env, "key", "Escape")
        _xdotool(env, "windowfocus", "--sync", window)
        _xdotool(env, "key", "ctrl+q")
        stdout, stderr = process.communicate(timeout=EXIT_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    errors = stderr.decode("utf-8", "replace")
    assert process.returncode == 0, errors
    assert _alarming(errors) == [], errors
    assert stdout == b""
    assert _complete_answers(database) == 2
