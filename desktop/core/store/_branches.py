"""Versions of a conversation: messages form a tree, and the chat on screen is one path in it.

Every message follows a parent (the message before it; ``None`` for a first question). A new
answer to the same question, or an edited question, is a *sibling*: another child of the same
parent. The path shown follows, from the top, the child chosen most recently (``chosen_at``,
set when a message is written and again when the user picks that version), so regenerating or
editing forks the conversation without deleting anything, and picking an older version brings
its whole branch back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    """Where one message sits in the tree."""

    id: int
    parent_id: int | None
    chosen_at: float


Children = dict[int | None, list[Node]]


def children_of(nodes: Iterable[Node]) -> Children:
    """Each parent's children, oldest first (``None``: the first questions)."""
    children: dict[int | None, list[Node]] = {}
    for node in sorted(nodes, key=lambda n: n.id):
        children.setdefault(node.parent_id, []).append(node)
    return children


def active_path(children: Children) -> list[int]:
    """The ids on the path shown: from the top, the most recently chosen child each time."""
    path: list[int] = []
    parent: int | None = None
    while parent in children or (parent is None and None in children):
        chosen = max(children[parent], key=lambda n: (n.chosen_at, n.id))
        path.append(chosen.id)
        parent = chosen.id
    return path


def versions(children: Children, path: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """For each message on ``path``, its versions (itself and its siblings), oldest first."""
    parents = {node.id: node.parent_id for nodes_ in children.values() for node in nodes_}
    return {message_id: tuple(n.id for n in children[parents[message_id]])
            for message_id in path}
