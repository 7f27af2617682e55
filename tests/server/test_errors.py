"""Safe by default: the token, OpenAI-shaped errors with the right status, size limits, the
loopback-only address, the model that is not there."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import openai
import pytest
from keyring.backend import KeyringBackend

from desktop.core.settings import Settings
from tests.cli.support import REPO, hearth_process
from tests.server.conftest import Served, free_port, start_server

ASK = [{"role": "user", "content": "hello"}]


def _error(reply: httpx.Response) -> dict[str, object]:
    body = reply.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "code", "param"}
    assert body["error"]["message"]
    return dict(body["error"])


def test_a_wrong_or_missing_token_is_refused(served: Served) -> None:
    with openai.OpenAI(base_url=served.url, api_key="hearth-wrong", max_retries=0) as wrong, \
            pytest.raises(openai.AuthenticationError) as raised:
        wrong.models.list()
    assert raised.value.code == "invalid_api_key"
    reply = httpx.post(f"{served.url}/chat/completions", json={"model": "hearth-local",
                                                               "messages": ASK})
    assert reply.status_code == 401 and _error(reply)["code"] == "invalid_api_key"


def test_bad_requests_are_openai_shaped_errors(served: Served) -> None:
    headers = {"authorization": f"Bearer {served.token}",
               "content-type": "application/json"}
    with httpx.Client(base_url=served.url, headers=headers, timeout=30) as http:
        reply = http.post("/chat/completions", content=b'{"model": "hearth-local", "mess')
        assert reply.status_code == 400 and _error(reply)["code"] == "invalid_json"

        reply = http.post("/chat/completions", json={"model": "hearth-local", "messages": ASK,
                                                     "temperature": "hot"})
        assert reply.status_code == 400 and _error(reply)["param"] == "temperature"

        reply = http.post("/chat/completions", json={"model": "hearth-local", "messages": []})
        assert reply.status_code == 400 and _error(reply)["param"] == "messages"

        reply = http.get("/no/such/route")
        assert reply.status_code == 404 and _error(reply)["code"] == "not_found"

    with pytest.raises(openai.NotFoundError) as raised:
        served.client().chat.completions.create(model="gpt-4o", messages=ASK)  # type: ignore[arg-type]
    assert raised.value.code == "model_not_found"
    assert raised.value.body["param"] == "model"  # type: ignore[index]


def test_oversized_bodies_and_prompts_are_refused(server_settings: Settings,
                                                  os_keyring: KeyringBackend) -> None:
    server_settings.set("server.max_request_kb", 2)
    server_settings.set("server.max_prompt_chars", 500)
    with start_server(os_keyring) as served:
        client = served.client()
        with pytest.raises(openai.APIStatusError) as raised:
            client.chat.completions.create(
                model="hearth-local", messages=[{"role": "user", "content": "x" * 3000}])
        assert raised.value.status_code == 413 and raised.value.code == "request_too_large"

        with pytest.raises(openai.BadRequestError) as too_long:
            client.chat.completions.create(
                model="hearth-local", messages=[{"role": "user", "content": "y" * 1000}])
        assert too_long.value.code == "context_length_exceeded"

        # A body sent in pieces without a length is counted as it arrives.
        def pieces() -> Iterator[bytes]:
            yield b'{"model": "hearth-local", "messages": [{"role": "user", "content": "'
            for _ in range(10):
                yield b"z" * 500
            yield b'"}]}'

        reply = httpx.post(f"{served.url}/chat/completions", content=pieces(),
                           headers={"authorization": f"Bearer {served.token}"})
        assert reply.status_code == 413 and _error(reply)["code"] == "request_too_large"


def test_no_model_is_503_and_the_server_still_serves(server_settings: Settings,
                                                     os_keyring: KeyringBackend) -> None:
    server_settings.set("local.model_path", "")
    with start_server(os_keyring) as served:
        with pytest.raises(openai.InternalServerError) as raised:
            served.client().chat.completions.create(model="hearth-local", messages=ASK)
        assert raised.value.status_code == 503 and raised.value.code == "model_not_available"
        assert [m.id for m in served.client().models.list()][0] == "hearth-auto"


def test_embeddings_without_an_embedding_model_say_so(served: Served) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        served.client().embeddings.create(model="hearth-embedding", input="hello")
    assert "no embedding model installed" in raised.value.message


def test_listening_beyond_this_computer_needs_a_flag(os_keyring: KeyringBackend) -> None:
    with hearth_process(["serve", "--host", "0.0.0.0", "--port", str(free_port())]) as process:
        code = process.wait(timeout=60)
        assert process.stderr is not None
        err = process.stderr.read().decode()
    assert code == 3
    assert "--allow-network" in err and "0.0.0.0" in err


def test_show_token_prints_the_token_the_server_checks(
        os_keyring: KeyringBackend, served: Served) -> None:
    shown = subprocess.run([sys.executable, "-m", "desktop", "serve", "--show-token"],
                           capture_output=True, text=True, check=True, timeout=60, cwd=REPO)
    assert shown.stdout.strip() == served.token


def test_a_port_in_use_is_a_known_error(served: Served) -> None:
    port = served.url.rsplit(":", 1)[1].split("/")[0]
    with hearth_process(["serve", "--port", port]) as process:
        code = process.wait(timeout=60)
        assert process.stderr is not None
        err = process.stderr.read().decode()
    assert code == 3
    assert f"hearth: error: could not listen on 127.0.0.1:{port}" in err


def test_browsers_are_refused_unless_their_origin_is_configured(
        server_settings: Settings, os_keyring: KeyringBackend) -> None:
    server_settings.set("server.cors_origins", "http://localhost:3000")
    with start_server(os_keyring) as served:
        preflight = {"origin": "http://localhost:3000", "access-control-request-method": "POST",
                     "access-control-request-headers": "authorization, content-type"}
        allowed = httpx.options(f"{served.url}/chat/completions", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
        other = httpx.options(f"{served.url}/chat/completions",
                              headers={**preflight, "origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_without_origins_no_page_may_read_an_answer(served: Served) -> None:
    reply = httpx.get(f"{served.url}/models", headers={
        "origin": "http://localhost:3000", "authorization": f"Bearer {served.token}"})
    assert reply.status_code == 200 and "access-control-allow-origin" not in reply.headers


def test_a_new_token_replaces_the_old(os_keyring: KeyringBackend) -> None:
    def hearth(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "desktop", "serve", *args],
                              capture_output=True, text=True, check=True, timeout=60,
                              cwd=REPO).stdout.strip()

    first = hearth("--show-token")
    assert first.startswith("hearth-") and len(first) > 40
    assert hearth("--show-token") == first  # made once, then kept in the keyring
    assert "new token" in hearth("--new-token")
    renewed = hearth("--show-token")
    assert renewed != first and os_keyring.get_password("hearth", "local-server") == renewed
    os_keyring.delete_password("hearth", "local-server")
