"""Builds the core objects a front end drives (the window and the CLI build the same ones)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.assistant import Assistant
from desktop.core.audit import AuditLog, watch_privacy_settings
from desktop.core.cloud import KeyStore
from desktop.core.conversations import Conversations
from desktop.core.local.slot import ModelSlot
from desktop.core.netguard import apply_settings
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore


@dataclass
class Services:
    settings: Settings
    store: ConversationStore
    models: ModelSlot
    assistant: Assistant
    audit: AuditLog
    conversations: Conversations

    def close(self) -> None:
        self.models.close()
        self.conversations.close()
        self.store.close()


def open_services(settings: Settings | None = None, *, keys: KeyStore | None = None,
                  separate_reads: bool = False) -> Services:
    """Open the settings, the conversation database and an (unloaded) model slot.

    ``separate_reads``: queries go through a read-only connection of their own (the window's
    GUI thread, which must never wait for the inference thread's writes).

    Nothing here touches the network: no update check, no connectivity probe. In offline mode
    the network guard is installed first, so not even a library can reach out.
    """
    settings = settings or Settings()
    audit = AuditLog()
    _guard_when_offline(settings, audit)
    watch_privacy_settings(settings, audit)
    store = ConversationStore.open_default()
    models = ModelSlot(settings)
    assistant = Assistant(store, settings, models, keys=keys, audit=audit)
    conversations = Conversations(store, reads=store.reader() if separate_reads else None)
    return Services(settings, store, models, assistant, audit, conversations)


def _guard_when_offline(settings: Settings, audit: AuditLog) -> None:
    """Install the process-wide audit hook only once offline mode is (or is turned) on: the
    hook sees every audited event of the process, so it is not installed for nothing."""
    if settings.get_bool("network.offline"):
        apply_settings(settings, audit=audit)
        return

    def on_change(key: str, value: object) -> None:
        if key == "network.offline" and value:
            apply_settings(settings, audit=audit)

    settings.subscribe(on_change)
