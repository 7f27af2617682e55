"""A distinctive key, stored and used for real, turns up nowhere but in the keyring and on the
wire."""

from __future__ import annotations

import io
import logging
import os
import sys
import traceback
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from desktop.__main__ import main
from desktop.core.chat import StopSignal
from desktop.core.cloud import CloudError, KeyStore, build_provider
from tests.core.cloud import wire
from tests.core.cloud.loopback import LoopbackServer, closed_port_url
from tests.core.cloud.support import MESSAGES, PARAMS, cloud_settings

CANARY = "sk-hearth-CANARY-7f3a9c2e51d84b06e9"




def test_the_canary_key_is_found_nowhere(
        os_keyring: KeyringBackend, server: LoopbackServer, hearth_dirs: tuple[Path, Path],
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG
    # Stored the way a user does it, then used by both frontier providers that echo keys.
    for provider in ("anthropic", "openai"):
        monkeypatch.setattr(sys, "stdin", io.StringIO(CANARY + "\n"))
        assert main(["keys", "set", provider]) == 0
    assert main(["keys", "status"]) == 0
    errors: list[BaseException] = []
    shown: list[str] = []

    def ask(name: str, url: str) -> None:
        settings = cloud_settings(name, url)
        with build_provider("frontier", settings, KeyStore()) as provider:
            try:
                provider.chat(MESSAGES, PARAMS, on_text=shown.append, stop=StopSignal())
            except CloudError as exc:
                errors.append(exc)

    server.queue(wire.sse_reply(wire.anthropic_stream()),
                 wire.anthropic_error(401, "authentication_error", f"invalid key {CANARY}"),
                 wire.openai_error(401, f"Incorrect API key provided: {CANARY}. You can find "
                                        "your API key at https://example.test.",
                                   "invalid_api_key"),
                 wire.openai_error(429, "Rate limit reached", "rate_limit_exceeded",
                                   headers={"retry-after": "0"}),
                 wire.sse_reply(_cut_after_first_text(wire.openai_stream()), after="reset"))
    ask("anthropic", server.url)
    ask("anthropic", server.url)
    ask("openai", server.url)
    # The refused key is remembered (in the data folder, scanned below) until it is stored
    # again, as a user does after a refusal.
    monkeypatch.setattr(sys, "stdin", io.StringIO(CANARY + "\n"))
    assert main(["keys", "set", "openai"]) == 0
    ask("openai", server.url)
    ask("openai", closed_port_url())
    # The key did travel, in the header each provider documents, and only there.
    assert [r.headers.get("x-api-key") for r in server.requests[:2]] == [CANARY, CANARY]
    assert server.requests[2].headers["authorization"] == f"Bearer {CANARY}"
    assert not any(CANARY in r.target or CANARY.encode() in r.body for r in server.requests)
    assert len(errors) == 4 and "".join(shown)

    out, err = capsys.readouterr()
    places = {"stdout": out, "stderr": err, "logs": caplog.text,
              "environment": "\n".join(os.environ.values())}
    for index, error in enumerate(errors):
        places[f"error {index}"] = "".join(traceback.format_exception(error)) + repr(error) \
            + getattr(error, "reason", "") + getattr(error, "partial_text", "")
    config, data = hearth_dirs
    for folder in (config, data):
        for path in folder.rglob("*"):
            if path.is_file():
                places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert any(str(config) in place for place in places)  # the settings file was scanned
    leaks = [place for place, text in places.items() if CANARY in text or CANARY[-12:] in text]
    assert leaks == []


def _cut_after_first_text(body: bytes) -> bytes:
    return body[:body.index(" 日本語".encode())]
