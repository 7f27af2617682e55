"""``hearth chats list | show | delete``."""

from __future__ import annotations

import argparse
import json
import time

from desktop.core.store import ConversationStore


def run(args: argparse.Namespace) -> int:
    with ConversationStore.open_default() as store:
        if args.action == "list":
            conversations = store.conversations()
            if args.json:
                print(json.dumps([{"id": c.id, "title": c.title, "updated_at": c.updated_at}
                                  for c in conversations], ensure_ascii=False, indent=2))
            else:
                for c in conversations:
                    print(f"{c.id:>5}  {_when(c.updated_at)}  {c.title}")
            return 0
        if args.action == "show":
            conversation = store.conversation(args.id)
            messages = store.messages(args.id)
            if args.json:
                print(json.dumps({
                    "id": conversation.id, "title": conversation.title,
                    "messages": [{"id": m.id, "role": m.role, "content": m.content,
                                  "status": m.status, "receipt": m.receipt} for m in messages],
                }, ensure_ascii=False, indent=2))
                return 0
            print(f"# {conversation.title}")
            for m in messages:
                status = "" if m.status == "complete" else f" ({m.status})"
                print(f"\n[{m.role}{status}]\n{m.content}")
            return 0
        store.conversation(args.id)  # NotFoundError for an unknown id
        store.delete_conversation(args.id)
        print(f"deleted conversation {args.id}")
        return 0


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))
