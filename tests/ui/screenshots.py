"""Offscreen pictures of the cloud, consent, receipt and dashboard views, light and dark.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.screenshots [FOLDER]

Writes PNG files to FOLDER (default .cache/screenshots) for a person to look at; it uses
throwaway config and data folders, an in-memory keyring and made-up receipts, and sends nothing.
"""

from __future__ import annotations

import dataclasses
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SCRATCH = tempfile.mkdtemp(prefix="hearth-screens-")
os.environ["HEARTH_CONFIG_DIR"] = str(Path(_SCRATCH) / "config")
os.environ["HEARTH_DATA_DIR"] = str(Path(_SCRATCH) / "data")

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

import desktop.ui  # noqa: E402, F401 - its PySide6 workaround, before any Qt call
from desktop.core.assistant import ConsentRequest  # noqa: E402
from desktop.core.cloud import KeyStore  # noqa: E402
from desktop.core.conversations import Conversations  # noqa: E402
from desktop.core.receipt import Finding, Receipt  # noqa: E402
from desktop.core.settings import Settings  # noqa: E402
from desktop.core.store import ConversationStore, Message  # noqa: E402
from desktop.ui import theme  # noqa: E402
from desktop.ui.chat_view import ChatView  # noqa: E402
from desktop.ui.cloud_page import EscalationExplanation  # noqa: E402
from desktop.ui.consent import ConsentDialog  # noqa: E402
from desktop.ui.dashboard import Dashboard  # noqa: E402
from desktop.ui.jobs import JobRunner  # noqa: E402
from desktop.ui.receipt import ReceiptDialog  # noqa: E402
from desktop.ui.settings_dialog import SettingsDialog  # noqa: E402
from tests.core.cloud.support import MemoryKeyring  # noqa: E402

PAYLOAD = ("[system]\nYou are Hearth, a helpful assistant running privately on this computer.\n\n"
           "[user]\nPlease draft a friendly reminder to ⟨EMAIL_1⟩ that the invoice for the "
           "kitchen renovation is due on Friday, and offer a call on ⟨PHONE_1⟩.")


def _settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(condition: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def _save(widget: QWidget, folder: Path, name: str) -> None:
    widget.show()
    _settle()
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    print(path)
    widget.close()


def cloud_receipt(**changes: object) -> Receipt:
    receipt = Receipt(
        tier="frontier", provider="anthropic", model="claude-sonnet-4-5",
        endpoint="api.anthropic.com", privacy="redacted", bytes_sent=1184, tokens_in=212,
        tokens_out=148, tokens_cached=0, ttft_s=0.62, decode_tok_per_s=71.4, duration_s=2.69,
        cost_usd=0.002856, cost_kind="measured",
        cost_basis="measured: 212 in + 148 out tokens reported by the provider, "
                   "anthropic/claude-sonnet-4-5 at $3/$15 per MTok (list price as of 2026-01-15)",
        cloud_equivalent_usd=0.002856, cloud_equivalent_kind="measured",
        cloud_equivalent_basis="this answer came from the frontier model: same as its cost",
        reason="looks hard for the local model: difficulty 0.71 of 1 (long, multi-step), "
               "at or above your threshold of 0.6",
        findings=(Finding(kind="email", start=41, end=60), Finding(kind="phone", start=130,
                                                                   end=146)),
        classes=("email", "phone"), payload=PAYLOAD,
        payload_sha256="9f2c4e1ab07d55e3c1f0a8b6d2e4f6a8c0b2d4e6f8a0c2e4b6d8f0a2c4e6b8d0",
        difficulty=0.71,
    )
    return dataclasses.replace(receipt, **changes)  # type: ignore[arg-type]


def local_receipt(**changes: object) -> Receipt:
    receipt = Receipt(
        tier="local", provider="llama.cpp", model="qwen2.5-3b-instruct", endpoint=None,
        privacy="on-device", bytes_sent=0, tokens_in=86, tokens_out=64, ttft_s=0.18,
        decode_tok_per_s=38.2, prompt_tok_per_s=410.0, duration_s=1.86, cost_usd=0.0000155,
        cost_kind="estimated", cost_basis="estimated: 30 W for 1.86 s at $0.3/kWh",
        energy_j=55.8, cloud_equivalent_usd=0.001218, cloud_equivalent_kind="estimated",
        cloud_equivalent_basis="estimated: 86 in + 64 out tokens (counted by this device's "
                               "tokenizer) at anthropic/claude-sonnet-4-5 at $3/$15 per MTok",
        reason="a routine question, answered on this device: difficulty 0.22 of 1 (short, "
               "plain question), below your threshold of 0.6",
        backend="CPU", gpu_layers=0, difficulty=0.22, token_probability=0.31,
        escalation_offer="frontier",
    )
    return dataclasses.replace(receipt, **changes)  # type: ignore[arg-type]


def consent_request() -> ConsentRequest:
    """What the consent dialog gets for a question whose phone number policy is "ask" and
    e-mail policy "replace": the e-mail already a placeholder, the phone number as written."""
    from desktop.core.assistant._outbound import Outbound, payload_spans, prepare_outbound
    from desktop.core.chat import ChatMessage
    from desktop.core.routing import scan_conversation

    messages = (ChatMessage("system", "You are Hearth, a helpful assistant running privately "
                                      "on this computer."),
                ChatMessage("user", "Please draft a friendly reminder to maria@example.org "
                                    "that the invoice for the kitchen renovation is due on "
                                    "Friday, and offer a call on +44 20 7946 0958."))
    outbound = prepare_outbound(messages, redact_kinds=frozenset({"email"}),
                                scan=scan_conversation)
    replaced = prepare_outbound(messages, redact_kinds=frozenset({"email", "phone"}),
                                scan=scan_conversation)
    spans = payload_spans(Outbound(outbound.messages), scan_conversation)
    return ConsentRequest(tier="frontier", host="api.anthropic.com",
                          payload=outbound.preview(), classes=("email", "phone"),
                          redacted=True, changed_parts=outbound.changed_parts, spans=spans,
                          replaced_payload=replaced.preview(),
                          reason="looks hard for the local model: difficulty 0.71 of 1 (long, "
                                 "multi-step), at or above your threshold of 0.6")


def fill_store(path: Path) -> ConversationStore:
    """A month of made-up answers: mostly local, some private, a few frontier."""
    clock = [time.time() - 29 * 86400]
    store = ConversationStore(path, clock=lambda: clock[0])
    rng = random.Random(11)
    for day in range(30):
        for _ in range(rng.randint(2, 12)):
            clock[0] = time.time() - (29 - day) * 86400 + rng.random() * 3600
            roll = rng.random()
            if roll < 0.78:
                receipt = local_receipt(escalation_offer=None)
            elif roll < 0.9:
                receipt = cloud_receipt(tier="private", provider="openai-compatible",
                                        endpoint="gpu-box.lan:8080", cost_usd=None,
                                        cost_kind="unknown", cloud_equivalent_usd=0.0024)
            else:
                cost = round(rng.uniform(0.002, 0.03), 5)
                receipt = cloud_receipt(cost_usd=cost, cloud_equivalent_usd=cost)
            conversation = store.create_conversation("made up")
            store.add_message(conversation.id, "user", "q")
            store.add_message(conversation.id, "assistant", "a", receipt=receipt)
    return store


def chat_messages() -> list[Message]:
    return [
        Message(1, 1, "user", "What does *idempotent* mean for an HTTP method?", "complete", 0,
                None),
        Message(2, 1, "assistant", "A method is **idempotent** when sending the same request "
                "twice has the same effect as sending it once: `GET`, `PUT` and `DELETE` are, "
                "`POST` is not.", "complete", 0, local_receipt()),
    ]


def main(folder: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = JobRunner()
    store = fill_store(Path(_SCRATCH) / "screens.sqlite3")
    settings = Settings()
    settings.set("cloud.escalation", True)
    settings.set("tiers.private.base_url", "http://gpu-box.lan:8080/v1")
    settings.set("tiers.private.model", "qwen2.5-32b-instruct")
    settings.set("tiers.frontier.model", "claude-sonnet-4-5")
    settings.set("privacy.email", "redact")
    keyring = MemoryKeyring()
    keys = KeyStore(keyring)
    keys.set("anthropic", "sk-ant-made-up-key-for-pictures")
    for palette in (theme.LIGHT, theme.DARK):
        theme.apply(app, palette)
        name = palette.name

        dialog = SettingsDialog(settings, keys=keys, jobs=jobs)
        dialog.show_section("Cloud")
        dialog.show()
        _wait(lambda d=dialog: d.cloud_page.frontier.key.status is not None)
        dialog.resize(700, 1500)
        _save(dialog, folder, f"cloud-page-{name}")
        dialog = SettingsDialog(settings, keys=keys, jobs=jobs)
        dialog.show_section("Privacy")
        dialog.resize(700, 760)
        _save(dialog, folder, f"privacy-page-{name}")
        for section in ("General", "Model", "Costs"):
            dialog = SettingsDialog(settings, keys=keys, jobs=jobs)
            dialog.show_section(section)
            dialog.resize(700, 900)
            _save(dialog, folder, f"{section.lower()}-page-{name}")
        _save(EscalationExplanation(), folder, f"escalation-explained-{name}")

        request = consent_request()
        _save(ConsentDialog(request, palette=palette), folder, f"consent-{name}")
        replaced = ConsentDialog(request, palette=palette)
        assert replaced.show_replaced is not None
        replaced.show_replaced.setChecked(True)
        _save(replaced, folder, f"consent-replaced-{name}")

        receipt = ReceiptDialog(cloud_receipt(), palette=palette)
        receipt.resize(760, 1180)
        _save(receipt, folder, f"receipt-cloud-{name}")
        receipt = ReceiptDialog(local_receipt(), palette=palette)
        receipt.resize(760, 1000)
        _save(receipt, folder, f"receipt-local-{name}")

        dashboard = Dashboard(Conversations(store), settings, jobs, palette=palette)
        dashboard.show()
        _wait(lambda d=dashboard: d.data is not None)
        dashboard.resize(1000, 1020)
        _save(dashboard, folder, f"dashboard-{name}")

        chat = ChatView()
        chat.set_palette(palette)
        chat.resize(760, 360)
        chat.show_messages(chat_messages())
        chat.set_ask_again_tiers(("private", "frontier"))
        _save(chat, folder, f"chat-offer-{name}")
    jobs.wait()
    store.close()
    window_shots(folder, keys)


CARD_QUESTION = ("Is the card 4111 1111 1111 1111 still valid? Send the answer to "
                 "jane.doe@example.com")
HARD_QUESTION = ("Compare Raft and Paxos step by step for a five-node cluster, then derive "
                 "the message count of one round of each.")


def window_shots(folder: Path, keys: KeyStore) -> None:
    """The whole window on the tiny test model, with cloud escalation on: a local answer, an
    answer kept here for its card number next to one from the cloud, empty chats."""
    from desktop.core.services import open_services
    from desktop.ui.main_window import MainWindow
    from tests.modelgen import cached_model

    settings = Settings()
    settings.set("local.model_path", str(cached_model("tiny")))
    settings.set("local.threads", 1)
    settings.set("local.max_tokens", 16)
    services = open_services(settings, keys=keys)
    conversation = services.store.create_conversation("Idempotent HTTP methods")
    for message in chat_messages():
        services.store.add_message(conversation.id, message.role, message.content,
                                   receipt=message.receipt)
    [found] = services.assistant.router.scan([CARD_QUESTION])
    private = services.store.create_conversation(services.assistant.title_for(CARD_QUESTION))
    services.store.add_message(private.id, "user", CARD_QUESTION)
    services.store.add_message(
        private.id, "assistant", "The number passes the Luhn check, so it is well formed; "
        "only the bank can say whether the card is still valid.",
        receipt=local_receipt(escalation_offer=None, token_probability=None, findings=found,
                              classes=tuple(sorted({f.kind for f in found})),
                              kept_local_for=("payment_card",),
                              reason="it holds payment card numbers, which your privacy "
                                     "settings keep on this device"))
    services.store.add_message(private.id, "user", HARD_QUESTION)
    services.store.add_message(
        private.id, "assistant", "**Raft** elects a leader, which appends entries and "
        "replicates them to a majority; **Paxos** separates *prepare* and *accept*. For five "
        "nodes one round costs 8 messages in Raft and 16 in classic Paxos.",
        receipt=cloud_receipt(findings=(), classes=(), privacy="sent",
                              payload=HARD_QUESTION))
    window = MainWindow(services)
    window.show()
    _wait(lambda: window.model_state == "ready", 120)
    for theme_name in ("light", "dark"):
        settings.set("ui.theme", theme_name)
        window.open_conversation(conversation.id)
        window.composer.set_text("Summarise this for alice@example.com")
        _settle(300)
        _grab(window, folder, f"window-{theme_name}")
        window.open_conversation(private.id)
        window.composer.set_text("")
        _settle(300)
        _grab(window, folder, f"window-privacy-{theme_name}")
        window.new_chat()
        _settle(200)
        _grab(window, folder, f"window-empty-{theme_name}")
    window.session.set_locked(True)
    _settle(200)
    _grab(window, folder, "window-empty-locked")
    settings.set("cloud.escalation", False)
    _settle(200)
    _grab(window, folder, "window-empty-local")
    window.close()
    window.shut_down()
    services.close()


def _grab(widget: QWidget, folder: Path, name: str, *, settle_ms: int = 0) -> None:
    """Save ``widget`` as it shows now (after ``settle_ms`` of events) to ``folder/name.png``."""
    if settle_ms:
        _settle(settle_ms)
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else
         Path(__file__).resolve().parents[2] / ".cache" / "screenshots")
