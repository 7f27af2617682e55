"""Builds the core objects a front end drives (the window and the CLI build the same ones)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.assistant import Assistant
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore


@dataclass
class Services:
    settings: Settings
    store: ConversationStore
    models: ModelSlot
    assistant: Assistant

    def close(self) -> None:
        self.models.close()
        self.store.close()


def open_services(settings: Settings | None = None) -> Services:
    """Open the settings, the conversation database and an (unloaded) model slot."""
    settings = settings or Settings()
    store = ConversationStore.open_default()
    models = ModelSlot(settings)
    return Services(settings, store, models, Assistant(store, settings, models))
