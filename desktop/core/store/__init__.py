"""Where conversations live: one SQLite file, migrated in place, safe against crashes."""

from desktop.core.store._conversations import FILE_NAME, TIP, ConversationStore, Place
from desktop.core.store._records import (
    ROLES,
    STATUSES,
    Conversation,
    Message,
    StoredReceipt,
    Thread,
)

__all__ = [
    "FILE_NAME",
    "ROLES",
    "STATUSES",
    "TIP",
    "Conversation",
    "ConversationStore",
    "Message",
    "Place",
    "StoredReceipt",
    "Thread",
]
