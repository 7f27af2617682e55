"""``hearth config set`` in a terminal reaches a running window's router at its next decision,
and the window's later writes do not undo it (separate processes, real files)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from typing import IO

from desktop.core import paths

REPO = Path(__file__).resolve().parents[2]

# The window's side: one long-lived Settings with escalation on, and a Router over it whose
# tiers are all ready. It decides, waits for a line on stdin, decides again, then changes an
# unrelated setting (the theme), as a click in the window would.
WINDOW = """
import sys
from desktop.core.routing import RouteContext, Router
from desktop.core.settings import Settings

settings = Settings()
settings.set("cloud.escalation", True)
router = Router(settings, lambda tier: None)

def decide():
    decision = router.decide("What is the capital of France?", [],
                             RouteContext(requested="private"))
    print(f"{decision.tier}|{decision.reason}", flush=True)

decide()
sys.stdin.readline()
decide()
settings.set("ui.theme", "dark")
print("theme set", flush=True)
"""


def _lines(stream: IO[str]) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            found.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return found


def test_a_terminal_change_reaches_the_window_and_is_not_written_back() -> None:
    window = subprocess.Popen([sys.executable, "-c", WINDOW], cwd=REPO, env=dict(os.environ),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert window.stdin is not None and window.stdout is not None
    try:
        said = _lines(window.stdout)
        assert said.get(timeout=60) == "private|you asked for the private tier"

        terminal = subprocess.run(
            [sys.executable, "-m", "desktop", "config", "set", "cloud.escalation", "false"],
            cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=60)
        assert terminal.returncode == 0, terminal.stderr
        assert terminal.stdout == "cloud.escalation = false\n"

        window.stdin.write("\n")
        window.stdin.flush()
        tier, reason = said.get(timeout=60).split("|")
        assert tier == "local" and "cloud model is turned off" in reason
        assert said.get(timeout=60) == "theme set"
        assert window.wait(timeout=60) == 0
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
        window.stdin.close()
        window.stdout.close()
    with (paths.config_dir() / "settings.toml").open("rb") as fh:
        document = tomllib.load(fh)
    assert document["ui"] == {"theme": "dark"}
    assert document.get("cloud", {}).get("escalation", False) is False
