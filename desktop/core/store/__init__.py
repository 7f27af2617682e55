"""Where conversations live: one SQLite file, migrated in place, safe against crashes."""

from desktop.core.store._conversations import FILE_NAME, ConversationStore
from desktop.core.store._records import ROLES, STATUSES, Conversation, Message

__all__ = ["FILE_NAME", "ROLES", "STATUSES", "Conversation", "ConversationStore", "Message"]
