"""The hash chain of the audit log: how a record is written, and how a log is checked.

Each line of ``audit.jsonl`` is one record in canonical JSON (keys sorted, no spaces, ASCII
only) and holds:

    prev   SHA-256 of the previous line as stored (the first record: 64 zeros)
    hash   SHA-256 of the record's own canonical JSON without ``hash``

``prev`` links every record to the one before it, so deleting, inserting or moving a record
breaks the link after it; ``hash`` catches an edit of a record, the last one included. The
head file (``audit.head``) keeps the number of records and the hash of the last line, which
is how a record deleted from the end is noticed.

Without a secret nothing stops someone who rewrites the whole chain and the head: the log is
tamper-evident against edits, not a proof against a determined forger with disk access.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
# Written by an append that found the log not matching its head (see _log._reconcile).
HEAD_MISMATCH = "audit_head_mismatch"


def canonical(record: Mapping[str, Any]) -> bytes:
    """The one byte string a record is stored as (without the line's newline)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode("ascii")


def line_hash(line: bytes) -> str:
    """What the next record's ``prev`` holds for a stored line."""
    return hashlib.sha256(line).hexdigest()


def sealed(fields: Mapping[str, Any], prev: str) -> bytes:
    """The stored line for ``fields`` following a line whose hash is ``prev``."""
    record = {**fields, "prev": prev}
    record["hash"] = hashlib.sha256(canonical(record)).hexdigest()
    return canonical(record)


@dataclass(frozen=True, slots=True)
class Head:
    """What the last append left: how many records, and the hash of the last line."""

    records: int
    last: str

    def dumps(self) -> bytes:
        return canonical({"records": self.records, "last": self.last})

    @classmethod
    def loads(cls, data: bytes) -> Head | None:
        try:
            value = json.loads(data)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        records, last = value.get("records"), value.get("last")
        if not isinstance(records, int) or not isinstance(last, str):
            return None
        return cls(records, last)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of checking a log: ``first_bad_line`` is 1-based (``None`` when ok, or
    when the problem is not on one line, such as records missing from the end)."""

    ok: bool
    records: int
    first_bad_line: int | None = None
    problem: str | None = None


def check_line(number: int, line: bytes, prev: str) -> str | None:
    """What is wrong with stored line ``number`` that should follow ``prev``; None if fine."""
    try:
        record = json.loads(line.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return f"line {number} is not a readable record (damaged, truncated or edited)"
    if not isinstance(record, dict) or not isinstance(record.get("hash"), str):
        return f"line {number} is not an audit record"
    if canonical(record) != line:
        return f"line {number} was edited (it is not stored the way Hearth writes it)"
    content = {k: v for k, v in record.items() if k != "hash"}
    if hashlib.sha256(canonical(content)).hexdigest() != record["hash"]:
        return f"line {number} was edited (its content does not match its hash)"
    if record.get("prev") != prev:
        before = "the start of the log" if number == 1 else f"line {number - 1}"
        return (f"line {number} does not follow {before}: a record was deleted, inserted or "
                "moved there")
    if record.get("type") == HEAD_MISMATCH:
        expected = record.get("expected_records")
        held = "no head file" if expected is None else f"a head of {expected} record(s)"
        return (f"line {number}: when it was written the log held "
                f"{record.get('found_records')} record(s) but {held}: records at the end "
                "were deleted or replaced before it")
    return None


def verify_bytes(data: bytes, head: Head | None) -> VerifyResult:
    """Check a whole log (its bytes) against its head file (``None`` when there is none)."""
    if not data:
        if head is not None and head.records > 0:
            return VerifyResult(False, 0, None, f"the log is empty but held {head.records} "
                                                "record(s): it was emptied or replaced")
        return VerifyResult(True, 0)
    *complete, tail = data.split(b"\n")
    prev = GENESIS
    for number, line in enumerate(complete, start=1):
        problem = check_line(number, line, prev)
        if problem is not None:
            return VerifyResult(False, number - 1, number, problem)
        prev = line_hash(line)
    count = len(complete)
    if tail:
        return VerifyResult(False, count, count + 1,
                            f"line {count + 1}, the last, is truncated (no end of line)")
    return _check_head(count, prev, complete, head)


def _check_head(count: int, last: str, lines: list[bytes], head: Head | None) -> VerifyResult:
    if head is None:
        # The head is written right after the first record; a crash in between leaves one
        # record and no head. More records without a head means it was removed.
        if count <= 1:
            return VerifyResult(True, count)
        return VerifyResult(False, count, None, "the head file audit.head is missing or "
                                                "damaged, so deletions at the end cannot be "
                                                "ruled out")
    if count == head.records and last == head.last:
        return VerifyResult(True, count)
    if count == head.records + 1 and prev_of(lines[-1]) == head.last:
        return VerifyResult(True, count)  # a crash between an append and its head update
    if count < head.records:
        return VerifyResult(False, count, None, f"{head.records - count} record(s) were "
                                                "deleted from the end of the log")
    return VerifyResult(False, count, count if count == head.records else None,
                        "the newest record(s) do not match the head file: the end of the "
                        "log was replaced")


def prev_of(line: bytes) -> object:
    """The ``prev`` field of a stored line (``None`` if it has none or is unreadable)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record.get("prev") if isinstance(record, dict) else None
