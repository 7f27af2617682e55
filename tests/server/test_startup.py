"""The web stack is paid for by ``hearth serve`` only: other commands never import it."""

from __future__ import annotations

import subprocess
import sys

from keyring.backend import KeyringBackend

from desktop.core.settings import Settings
from tests.cli.support import REPO
from tests.server.conftest import start_server

CHECK = """
import sys
from desktop.cli import main
code = main({argv!r})
print("web stack imported:", sorted(m for m in ("starlette", "uvicorn", "fastapi")
                                    if m in sys.modules), code)
"""


def _imported(argv: list[str]) -> str:
    done = subprocess.run([sys.executable, "-c", CHECK.format(argv=argv)], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()[-1]


def test_other_commands_do_not_import_the_web_stack() -> None:
    assert _imported(["config", "get", "server.port"]) == "web stack imported: [] 0"
    assert _imported(["serve", "--help"]) == "web stack imported: [] 0"


def test_sigterm_stops_the_server_normally(server_settings: Settings,
                                           os_keyring: KeyringBackend) -> None:
    with start_server(os_keyring) as served:
        served.process.terminate()  # what a service manager sends to stop it
        assert served.process.wait(timeout=30) == 0
        assert served.process.stderr is not None
        assert b"hearth serve: stopped" in served.process.stderr.read()
