"""The settings' Server page: the address, the masked token with a copy button, and a switch
that starts and stops a real ``hearth serve`` which OpenAI's client can then use."""

from __future__ import annotations

import openai
from keyring.backend import KeyringBackend
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings
from desktop.ui.jobs import JobRunner
from desktop.ui.server_page import ServerPage
from desktop.ui.settings_dialog import SettingsDialog
from tests.server.conftest import free_port

TOKEN = "hearth-page-test-token-0123456789abcdef"


def test_the_dialog_has_the_server_settings(qtbot: QtBot, settings: Settings,
                                            os_keyring: KeyringBackend) -> None:
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert {"server.port", "server.autostart", "server.cors_origins"} <= set(dialog.editors)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert "Other apps" in titles
    dialog.jobs.wait(10_000)


def test_copy_the_token_start_ask_and_stop(qtbot: QtBot, settings: Settings,
                                           os_keyring: KeyringBackend) -> None:
    port = free_port()
    settings.set("server.port", port)
    os_keyring.set_password("hearth", "local-server", TOKEN)
    jobs = JobRunner()
    page = ServerPage(settings, jobs)
    qtbot.addWidget(page)
    qtbot.waitUntil(page.copy_token.isEnabled, timeout=10_000)
    assert page.token_label.text() == "hearth-…cdef"
    assert page.address.text() == f"http://127.0.0.1:{port}/v1"
    page.copy_token.click()
    assert QGuiApplication.clipboard().text() == TOKEN

    page.toggle.click()
    qtbot.waitUntil(lambda: page.state.text().startswith("Running"), timeout=60_000)
    assert page.toggle.text() == "Stop the server"
    with openai.OpenAI(base_url=page.address.text(), api_key=TOKEN, max_retries=0) as client:
        answer = client.chat.completions.create(
            model="hearth-local", messages=[{"role": "user", "content": "hi"}], max_tokens=2)
    assert answer.choices[0].message.content

    page.toggle.click()
    qtbot.waitUntil(lambda: page.state.text() == "Stopped.", timeout=30_000)
    assert page.toggle.text() == "Start the server"
    os_keyring.delete_password("hearth", "local-server")
