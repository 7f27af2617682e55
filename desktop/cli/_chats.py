"""``hearth chats list | search | show | rename | lock | unlock | version | delete``."""

from __future__ import annotations

import argparse
import json
import time

from desktop.cli._sources import source_lines
from desktop.core.conversations import Conversations, Thread


def run(args: argparse.Namespace) -> int:
    with Conversations.open_default() as chats:
        return _run(chats, args)


def _run(chats: Conversations, args: argparse.Namespace) -> int:
    action = args.action
    if action in ("list", "search"):
        conversations = chats.recent() if action == "list" else chats.search(args.text)
        if args.json:
            print(json.dumps([{"id": c.id, "title": c.title, "updated_at": c.updated_at,
                               "locked_local": c.locked_local} for c in conversations],
                             ensure_ascii=False, indent=2))
        else:
            for c in conversations:
                lock = "  [kept on this device]" if c.locked_local else ""
                print(f"{c.id:>5}  {_when(c.updated_at)}  {c.title}{lock}")
        return 0
    if action == "show":
        _show(chats, args.id, as_json=args.json)
        return 0
    if action == "rename":
        title = chats.rename(args.id, args.title)
        print(f"conversation {args.id} is now “{title}”")
        return 0
    if action in ("lock", "unlock"):
        chats.set_locked(args.id, action == "lock")
        print(f"conversation {args.id} " + ("is kept on this device: nothing of it leaves"
                                            if action == "lock" else "may be routed again"))
        return 0
    if action == "version":
        thread = chats.choose_version(args.message_id)
        position, count = thread.version_of(args.message_id)
        print(f"showing version {position} of {count} of message {args.message_id}")
        return 0
    chats.get(args.id)  # NotFoundError for an unknown id
    chats.delete(args.id)
    print(f"deleted conversation {args.id}")
    return 0


def _show(chats: Conversations, conversation_id: int, *, as_json: bool) -> None:
    conversation = chats.get(conversation_id)
    thread: Thread = chats.thread(conversation_id)
    if as_json:
        print(json.dumps({
            "id": conversation.id, "title": conversation.title,
            "locked_local": conversation.locked_local,
            "collections": list(conversation.collections),
            "messages": [{"id": m.id, "parent_id": m.parent_id, "role": m.role,
                          "content": m.content, "status": m.status,
                          "versions": list(thread.versions.get(m.id, (m.id,))),
                          "receipt": m.receipt.to_dict() if m.receipt else None}
                         for m in thread.messages],
        }, ensure_ascii=False, indent=2))
        return
    print(f"# {conversation.title}")
    if conversation.collections:
        print("Documents: " + ", ".join(f"“{name}”" for name in conversation.collections))
    for m in thread.messages:
        status = "" if m.status == "complete" else f" ({m.status})"
        position, count = thread.version_of(m.id)
        version = f" version {position}/{count}" if count > 1 else ""
        print(f"\n[{m.role} #{m.id}{status}{version}]\n{m.content}")
        for line in source_lines(m.receipt):
            print(line)


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))
