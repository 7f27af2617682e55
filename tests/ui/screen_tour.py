"""Pictures of every screen at one window size, light and dark, for a person to look at.

    xvfb-run -a -s "-screen 0 1440x900x24" env QT_QPA_PLATFORM=xcb \\
        python -m tests.ui.screen_tour FOLDER 1440x900

The window (chat with a receipt, welcome), the model manager, each settings page, the consent
dialog and the dashboard, each as large as the size given allows (dialogs are capped to the
screen as on a real one). Uses throwaway folders, an in-memory keyring, the tiny test model and
made-up receipts (``tests.ui.screenshots``); sends nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog, QWidget

from desktop.core.cloud import KeyStore
from desktop.core.services import open_services
from desktop.core.settings import Settings
from desktop.ui.consent import ConsentDialog
from desktop.ui.main_window import MainWindow
from tests.core.cloud.support import MemoryKeyring
from tests.modelgen import cached_model
from tests.ui import screenshots as shots  # points Hearth at throwaway folders


def _grab(widget: QWidget, folder: Path, name: str) -> None:
    shots._grab(widget, folder, name, settle_ms=250)


def _fit(dialog: QWidget, width: int, height: int) -> None:
    """As large as the dialog wants, within the window size (a title bar left)."""
    hint = dialog.sizeHint()
    dialog.resize(min(max(hint.width(), 760), width), min(max(hint.height(), 560), height - 40))


def _privacy_chat(services: object) -> int:
    """A card number kept on this device, then a hard question answered by the cloud model
    with the earlier card number replaced by a placeholder: the chat at the top of the
    README."""
    store = services.store  # type: ignore[attr-defined]
    assistant = services.assistant  # type: ignore[attr-defined]
    [found] = assistant.router.scan([shots.CARD_QUESTION])
    chat = store.create_conversation(assistant.title_for(shots.CARD_QUESTION))
    store.add_message(chat.id, "user", shots.CARD_QUESTION)
    store.add_message(
        chat.id, "assistant", "The number passes the Luhn check, so it is well formed; only "
        "the bank can say whether the card is still valid.",
        receipt=shots.local_receipt(
            escalation_offer=None, token_probability=None, findings=found,
            classes=tuple(sorted({f.kind for f in found})), kept_local_for=("payment_card",),
            reason="it holds payment card numbers, which your privacy settings keep on this "
                   "device"))
    store.add_message(chat.id, "user", shots.HARD_QUESTION)
    store.add_message(
        chat.id, "assistant", "**Raft** elects a leader, which appends entries and replicates "
        "them to a majority; **Paxos** separates *prepare* and *accept*. For five nodes one "
        "round costs 8 messages in Raft and 16 in classic Paxos.",
        receipt=shots.cloud_receipt(
            findings=(), classes=("payment_card",), privacy="redacted",
            payload=shots.CARD_QUESTION.replace("4111 1111 1111 1111", "⟨PAYMENT_CARD_1⟩")
            + "\n\n" + shots.HARD_QUESTION))
    return int(chat.id)


def main(folder: Path, width: int, height: int) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    folder.mkdir(parents=True, exist_ok=True)
    size = f"{width}x{height}"
    keys = KeyStore(MemoryKeyring())
    keys.set("anthropic", "sk-ant-made-up-key-for-pictures")
    settings = Settings()
    settings.set("local.threads", 1)
    settings.set("local.max_tokens", 16)
    services = open_services(settings, keys=keys)
    conversation = services.store.create_conversation("Idempotent HTTP methods")
    for message in shots.chat_messages():
        services.store.add_message(conversation.id, message.role, message.content,
                                   receipt=message.receipt)
    private = _privacy_chat(services)
    window = MainWindow(services)
    window.resize(width, height)
    window.show()
    for theme_name in ("light", "dark"):
        settings.set("ui.theme", theme_name)
        settings.set("local.model_path", "")
        window.new_chat()
        shots._settle(300)
        _grab(window, folder, f"welcome-{theme_name}-{size}")
        settings.set("local.model_path", str(cached_model("tiny")))
        shots._wait(lambda: window.model_state == "ready", 120)
        settings.set("cloud.escalation", True)
        settings.set("tiers.frontier.model", "claude-sonnet-4-5")
        window.open_conversation(conversation.id)
        _grab(window, folder, f"chat-receipt-{theme_name}-{size}")
        window.open_conversation(private)
        window.chat.verticalScrollBar().setValue(window.chat.verticalScrollBar().maximum())
        _grab(window, folder, f"chat-privacy-{theme_name}-{size}")

        models = window.open_models()
        _fit(models, width, height)
        _grab(models, folder, f"models-{theme_name}-{size}")
        models.close()

        dialog = window.open_settings()
        _fit(dialog, width, height)
        for index in range(dialog.tabs.count()):
            dialog.tabs.setCurrentIndex(index)
            title = dialog.tabs.tabText(index).lower()
            _grab(dialog, folder, f"settings-{title}-{theme_name}-{size}")
        dialog.close()

        consent = ConsentDialog(shots.consent_request(), window,
                                palette=window.palette_in_use)
        consent.show()
        _fit(consent, width, height)
        _grab(consent, folder, f"consent-{theme_name}-{size}")
        consent.done(QDialog.DialogCode.Rejected.value)

        dashboard = window.open_dashboard()
        shots._wait(lambda d=dashboard: d.data is not None)
        _fit(dashboard, width, height)
        _grab(dashboard, folder, f"dashboard-{theme_name}-{size}")
        dashboard.close()
        settings.set("cloud.escalation", False)
    window.close()
    window.shut_down()
    services.close()


if __name__ == "__main__":
    given = sys.argv[2] if len(sys.argv) > 2 else "1440x900"
    w, h = (int(n) for n in given.split("x"))
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".cache/screens"), w, h)
