"""The Cloud page: tier settings, keys into the keyring only, the escalation explanation, and
connection tests against loopback servers speaking the providers' wire formats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desktop.core.accounting.list_prices import GenaiPrices
from desktop.core.audit import AuditLog
from desktop.core.cloud import KeyStore
from desktop.core.cloud.refusals import RefusedKeys
from desktop.core.settings import Settings
from desktop.ui.cloud_page import CloudPage, EscalationExplanation
from desktop.ui.jobs import JobRunner
from desktop.ui.settings_dialog import SettingsDialog
from tests.core.cloud.loopback import LoopbackServer, loopback_server
from tests.core.cloud.support import MemoryKeyring
from tests.core.cloud.wire import openai_error, openai_stream, sse_reply

KEY = "sk-hearth-ui-test-7f3a9c2e1b"
JOB_TIMEOUT_MS = 15_000


@pytest.fixture
def jobs() -> Iterator[JobRunner]:
    runner = JobRunner()
    yield runner
    runner.wait()


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


def _cloud_tab(qtbot: QtBot, settings: Settings, keys: KeyStore, jobs: JobRunner
               ) -> tuple[SettingsDialog, CloudPage]:
    dialog = SettingsDialog(settings, keys=keys, jobs=jobs, audit=AuditLog())
    qtbot.addWidget(dialog)
    dialog.show_section("Cloud")
    dialog.show()
    page = dialog.cloud_page
    qtbot.waitUntil(lambda: page.frontier.key.status is not None, timeout=JOB_TIMEOUT_MS)
    return dialog, page


def _set_text(widget: object, text: str) -> None:
    assert isinstance(widget, QLineEdit)
    widget.setText(text)


def test_the_cloud_page_replaces_the_raw_sections_and_saves_the_tiers(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring) -> None:
    settings = Settings()
    dialog, page = _cloud_tab(qtbot, settings, KeyStore(keyring_backend), jobs)
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert "Cloud" in tabs and "Privacy" in tabs and "Cloud tiers" not in tabs
    assert dialog.tabs.currentWidget() is page
    dialog.editor("tiers.private.base_url").set_value("http://127.0.0.1:8080/v1")
    dialog.editor("tiers.private.model").set_value("open-test-1")
    dialog.editor("tiers.frontier.provider").set_value("gemini")
    dialog.editor("tiers.frontier.model").set_value("gemini-test-001")
    dialog.editor("routing.cascade").set_value("offer")
    assert dialog.apply()
    saved = Settings()
    assert saved.get_str("tiers.private.base_url") == "http://127.0.0.1:8080/v1"
    assert saved.get_str("tiers.frontier.provider") == "gemini"
    assert saved.get_str("routing.cascade") == "offer"
    url = dialog.editor("tiers.frontier.base_url").widget
    assert isinstance(url, QLineEdit) and "generativelanguage.googleapis.com" in (
        url.placeholderText())
    assert page.frontier.key.caption.text() == "Google Gemini API key"
    dialog.editor("tiers.private.base_url").set_value("ftp://nowhere")
    dialog.editor("tiers.private.model").set_value("")
    assert dialog.apply()  # the URL is checked when it is used: a test says what is wrong


def test_a_key_goes_into_the_keyring_and_nowhere_else(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring,
        hearth_dirs: tuple[Path, Path]) -> None:
    settings = Settings()
    settings.set("tiers.frontier.provider", "openai")
    dialog, page = _cloud_tab(qtbot, settings, KeyStore(keyring_backend), jobs)
    field = page.frontier.key
    assert "No key stored" in field.state.text()
    assert field.edit.echoMode() == QLineEdit.EchoMode.Password
    assert not field.store_button.isEnabled()
    field.edit.setText(f"  {KEY}  ")
    field.store_button.click()
    qtbot.waitUntil(lambda: "A key is stored" in field.state.text(), timeout=JOB_TIMEOUT_MS)
    assert keyring_backend.passwords == {("hearth", "openai"): KEY}
    assert field.edit.text() == "" and field.remove_button.isEnabled()
    assert "No key stored" in page.private.key.state.text()  # each provider its own key
    assert dialog.apply()  # and OK or Apply never writes it anywhere
    config, data = hearth_dirs
    for folder in (config, data):
        for path in folder.rglob("*"):
            if path.is_file():
                assert KEY not in path.read_text(encoding="utf-8", errors="replace"), path

    field.remove_button.click()
    qtbot.waitUntil(lambda: "No key stored" in field.state.text(), timeout=JOB_TIMEOUT_MS)
    assert keyring_backend.passwords == {}


def test_a_key_typed_and_left_is_stored_by_ok(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring) -> None:
    dialog, page = _cloud_tab(qtbot, Settings(), KeyStore(keyring_backend), jobs)
    page.private.key.edit.setText(KEY)
    dialog.accept()
    qtbot.waitUntil(lambda: ("hearth", "private") in keyring_backend.passwords,
                    timeout=JOB_TIMEOUT_MS)


def test_without_a_usable_keyring_the_page_says_so_and_stores_nothing(
        qtbot: QtBot, jobs: JobRunner) -> None:
    dialog, page = _cloud_tab(qtbot, Settings(), KeyStore(fail.Keyring()), jobs)
    for field in (page.private.key, page.frontier.key):
        assert "no usable OS keyring" in field.error.text() and field.error.isVisible()
        assert "stays disabled" in field.state.text()
        field.edit.setText(KEY)
        assert not field.store_button.isEnabled()
    page.frontier.key.show_error("")
    page.store_key("anthropic", KEY)  # even asked directly, the keyring refuses
    qtbot.waitUntil(lambda: bool(page.frontier.key.error.text()), timeout=JOB_TIMEOUT_MS)
    assert "no usable OS keyring" in page.frontier.key.error.text()
    assert KEY not in page.frontier.key.error.text()


def test_turning_escalation_on_is_explained_the_first_time_only(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring) -> None:
    settings = Settings()
    dialog, page = _cloud_tab(qtbot, settings, KeyStore(keyring_backend), jobs)
    switch = page.escalation
    switch.click()
    explanation = page.explanation
    assert isinstance(explanation, EscalationExplanation) and explanation.isVisible()
    assert not switch.isChecked()  # not before the user has read it
    text = explanation.text.text()
    assert "leave" in text and "locked to this device" in text and "receipt" in text
    explanation.keep_off.click()
    assert not switch.isChecked() and page.explanation is None

    switch.click()
    explanation = page.explanation
    assert explanation is not None
    explanation.turn_on.click()
    assert switch.isChecked()
    assert dialog.apply() and settings.get_bool("cloud.escalation")

    switch.click()  # off, then on again: no second explanation
    assert not switch.isChecked()
    switch.click()
    assert switch.isChecked() and page.explanation is None
    dialog.load_values()  # loading a saved "on" explains nothing either
    assert page.explanation is None


def _openai_to(settings: Settings, server: LoopbackServer) -> None:
    settings.set("cloud.read_timeout_s", 5.0)
    settings.set("cloud.max_retries", 0)
    settings.set("tiers.frontier.provider", "openai")


def test_connection_test_reports_the_host_model_and_time_then_a_refused_key(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring,
        server: LoopbackServer) -> None:
    settings = Settings()
    _openai_to(settings, server)
    dialog, page = _cloud_tab(qtbot, settings, KeyStore(keyring_backend), jobs)
    dialog.editor("tiers.frontier.model").set_value("gpt-test-1")
    dialog.editor("tiers.frontier.base_url").set_value(f"{server.url}/v1")
    page.frontier.key.edit.setText(KEY)
    server.queue(sse_reply(openai_stream(["p"])))
    box = page.frontier
    box.test_button.click()  # escalation is off: an explicit test still runs
    assert not box.test_button.isEnabled()
    qtbot.waitUntil(box.test_button.isEnabled, timeout=JOB_TIMEOUT_MS)
    host = server.url.removeprefix("http://")
    assert box.result.objectName() == "SuccessLabel", box.result.text()
    assert f"Connected to {host}" in box.result.text() and "gpt-test-1" in box.result.text()
    assert settings.get_str("tiers.frontier.base_url") == f"{server.url}/v1"  # saved first
    assert keyring_backend.passwords[("hearth", "openai")] == KEY  # the typed key, stored
    assert not settings.get_bool("cloud.escalation")
    [request] = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(request.body)["messages"] == [{"role": "user", "content": "ping"}]
    audited = [json.loads(line) for line in AuditLog().lines()]
    assert [r["host"] for r in audited if r["type"] == "outbound_request"] == [host]

    server.queue(openai_error(401, "Incorrect API key provided.", "invalid_api_key",
                              "invalid_request_error"))
    box.test_button.click()
    qtbot.waitUntil(box.test_button.isEnabled, timeout=JOB_TIMEOUT_MS)
    assert box.result.objectName() == "ErrorLabel"
    assert "refused" in box.result.text(), box.result.text()
    assert KEY not in box.result.text()


def test_connection_test_without_a_key_says_what_is_missing(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring,
        server: LoopbackServer) -> None:
    settings = Settings()
    _openai_to(settings, server)
    settings.set("tiers.frontier.model", "gpt-test-1")
    settings.set("tiers.frontier.base_url", f"{server.url}/v1")
    _dialog, page = _cloud_tab(qtbot, settings, KeyStore(keyring_backend), jobs)
    page.frontier.test_button.click()
    qtbot.waitUntil(page.frontier.test_button.isEnabled, timeout=JOB_TIMEOUT_MS)
    assert "no OpenAI key is stored" in page.frontier.result.text()
    assert server.requests == []


def test_the_private_tier_needs_no_key(qtbot: QtBot, jobs: JobRunner,
                                       keyring_backend: MemoryKeyring,
                                       server: LoopbackServer) -> None:
    dialog, page = _cloud_tab(qtbot, Settings(), KeyStore(keyring_backend), jobs)
    dialog.editor("tiers.private.base_url").set_value(f"{server.url}/v1")
    dialog.editor("tiers.private.model").set_value("open-test-1")
    server.queue(sse_reply(openai_stream(["p"], model="open-test-1")))
    page.private.test_button.click()
    qtbot.waitUntil(page.private.test_button.isEnabled, timeout=JOB_TIMEOUT_MS)
    assert "open-test-1 answered" in page.private.result.text()
    assert "authorization" not in server.requests[0].headers


def test_the_frontier_model_is_chosen_from_the_providers_models_or_typed(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring) -> None:
    settings = Settings()
    dialog, page = _cloud_tab(qtbot, settings, KeyStore(keyring_backend), jobs)
    combo = page.model_combo
    qtbot.waitUntil(lambda: combo.count() > 0, timeout=JOB_TIMEOUT_MS)
    anthropic = [combo.itemText(i) for i in range(combo.count())]
    assert anthropic == list(GenaiPrices().models("anthropic"))  # the bundled price data's
    combo.setCurrentIndex(anthropic.index("claude-3-5-sonnet"))
    dialog.editor("tiers.frontier.provider").set_value("openai")
    openai = [combo.itemText(i) for i in range(combo.count())]
    assert "gpt-4o" in openai and not [m for m in openai if m.startswith("claude")]
    assert combo.currentText() == "claude-3-5-sonnet"  # switching the list keeps the name
    combo.setEditText("gpt-made-up-next-year")  # not in the data: still allowed
    assert dialog.apply()
    assert settings.get_str("tiers.frontier.model") == "gpt-made-up-next-year"
    assert settings.get_str("tiers.frontier.provider") == "openai"


def test_a_connection_result_is_cleared_by_an_edit_and_by_reopening(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring,
        server: LoopbackServer) -> None:
    dialog, page = _cloud_tab(qtbot, Settings(), KeyStore(keyring_backend), jobs)
    dialog.editor("tiers.private.base_url").set_value(f"{server.url}/v1")
    dialog.editor("tiers.private.model").set_value("open-test-1")
    for _ in range(2):
        server.queue(sse_reply(openai_stream(["p"], model="open-test-1")))
    box = page.private
    box.test_button.click()
    qtbot.waitUntil(box.test_button.isEnabled, timeout=JOB_TIMEOUT_MS)
    assert box.result.isVisible() and "Connected" in box.result.text()
    dialog.editor("tiers.private.model").set_value("open-test-2")  # no longer what was tested
    assert not box.result.isVisible() and box.result.text() == ""
    box.test_button.click()
    qtbot.waitUntil(box.test_button.isEnabled, timeout=JOB_TIMEOUT_MS)
    assert box.result.text()
    dialog.hide()
    dialog.show()  # opened again later
    assert box.result.text() == "" and dialog.result_label.text() == ""


def test_a_refused_key_is_said_beside_it_until_a_new_one_is_stored(
        qtbot: QtBot, jobs: JobRunner, keyring_backend: MemoryKeyring) -> None:
    keys = KeyStore(keyring_backend)
    keys.set("anthropic", KEY)
    RefusedKeys().note("anthropic", status=401, host="api.anthropic.com")
    _dialog, page = _cloud_tab(qtbot, Settings(), keys, jobs)
    field = page.frontier.key
    assert field.error.isVisible()
    assert "not used: the key was refused by api.anthropic.com (HTTP 401)" in field.error.text()
    field.edit.setText("sk-ant-a-new-key-0009")
    field.store_button.click()
    qtbot.waitUntil(lambda: field.pending_key() == "", timeout=JOB_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not field.error.isVisible(), timeout=JOB_TIMEOUT_MS)
    assert RefusedKeys().get("anthropic") is None
