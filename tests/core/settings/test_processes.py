"""Two real processes writing settings at the same time lose nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from desktop.core import paths

REPO = Path(__file__).resolve().parents[3]
ROUNDS = 50

# Waits for the start file so that both loops run at the same time, then sets its key to
# 1, 2, … ROUNDS through one long-lived Settings, as the window would.
WRITER = """
import os, sys, time
from desktop.core.settings import Settings
key, start = sys.argv[1], sys.argv[2]
settings = Settings()
print("ready", flush=True)
while not os.path.exists(start):
    time.sleep(0.001)
for value in range(1, int(sys.argv[3]) + 1):
    settings.set(key, value)
"""


def test_two_processes_setting_different_keys_keep_both(tmp_path: Path) -> None:
    start = tmp_path / "go"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, key, str(start), str(ROUNDS)],
                         cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, text=True)
        for key in ("local.threads", "local.max_tokens")
    ]
    try:
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        began = time.monotonic()
        start.touch()
        for writer in writers:
            assert writer.wait(timeout=120) == 0
        took = time.monotonic() - began
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
            assert writer.stdout is not None
            writer.stdout.close()
    with (paths.config_dir() / "settings.toml").open("rb") as fh:
        document = tomllib.load(fh)
    assert document["local"] == {"threads": ROUNDS, "max_tokens": ROUNDS}, took
