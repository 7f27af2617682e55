"""An app of the same computer, talking to the bundle's ``hearth serve``: run inside the
namespace of ``loopback_only`` (tests/packaging/conftest.py), where 127.0.0.1 is the only
address there is, so the server and this client must share it.

    python -m tests.packaging.serve_client BUNDLED_HEARTH

Starts ``hearth serve``, waits for its "Hearth serves URL" line, asks the bundle for the
token (``hearth serve --show-token``), sends ``GET /v1/models`` without a token, with a wrong
one and with the right one, stops the server with SIGTERM, and prints what happened as one
JSON object. Only the standard library: what is tested is the server, not a client library.
"""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import IO

READY = re.compile(r"Hearth serves (http://\S+/v1)")
READY_TIMEOUT_S = 90.0  # the server loads the embedded model before it listens
STOP_TIMEOUT_S = 30.0


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _wait_ready(server: subprocess.Popen[str]) -> tuple[str | None, str]:
    assert server.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_lines, args=(server.stdout, lines), daemon=True).start()
    shown = ""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:  # the server exited
            break
        shown += line
        found = READY.search(line)
        if found:
            return found.group(1), shown
    return None, shown


def _get(url: str, token: str | None) -> dict[str, object]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return {"status": response.status, "body": json.loads(response.read())}
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return {"status": exc.code, "body": json.loads(body) if body else None}


def main(executable: str) -> dict[str, object]:
    result: dict[str, object] = {}
    server = subprocess.Popen([executable, "serve"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        url, shown = _wait_ready(server)
        result["url"], result["stdout"] = url, shown
        if url is not None:
            shown_token = subprocess.run([executable, "serve", "--show-token"],
                                         capture_output=True, text=True, timeout=60,
                                         check=False)
            token = shown_token.stdout.strip()
            result["token"] = token
            result["without_token"] = _get(f"{url}/models", None)
            wrong = token[:-1] + ("B" if token.endswith("A") else "A")
            result["wrong_token"] = _get(f"{url}/models", wrong)
            result["with_token"] = _get(f"{url}/models", token)
        server.send_signal(signal.SIGTERM)
        started = time.monotonic()
        result["returncode"] = server.wait(timeout=STOP_TIMEOUT_S)
        result["stop_s"] = round(time.monotonic() - started, 2)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        assert server.stderr is not None
        result["stderr"] = server.stderr.read()
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
