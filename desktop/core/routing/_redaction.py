"""Reversible redaction: sensitive values become placeholders such as ``⟨EMAIL_1⟩`` before a
prompt leaves the device, and the placeholders in the reply become the values again.

The mapping never leaves the device. Placeholders are numbered per class; the same value gets the
same placeholder, also across the messages of one conversation when the earlier mapping is passed
back in (``redact(text, findings, known=earlier.mapping)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from desktop.core.receipt import Finding

OPEN, CLOSE = "⟨", "⟩"
_PLACEHOLDER = re.compile(r"⟨([A-Z][A-Z_]*)_([1-9][0-9]*)⟩")
# Anything longer cannot be the start of a placeholder a model would copy back.
_LONGEST_PLACEHOLDER = 48


@dataclass(frozen=True, kw_only=True)
class Redaction:
    """A redacted text, the placeholder → value mapping, and the findings it replaced.

    ``text`` is exactly what would leave the device (the consent preview shows it as is).
    """

    text: str
    mapping: Mapping[str, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def restore(self, text: str) -> str:
        """Put the values back; placeholders this redaction did not make stay as they are."""
        return restore(text, self.mapping)

    def restorer(self) -> Restorer:
        """A :class:`Restorer` for a reply that arrives in chunks."""
        return Restorer(self.mapping)


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Replace every placeholder found in ``mapping`` by its value."""
    if OPEN not in text or not mapping:
        return text
    return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(), m.group()), text)


def redact(text: str, findings: Iterable[Finding], *,
           known: Mapping[str, str] | None = None) -> Redaction:
    """Replace each finding's span in ``text`` by a placeholder for its class.

    ``findings`` must not overlap (``scan`` guarantees it). ``known`` is the mapping of earlier
    redactions in the same conversation: its values keep their placeholders and new numbers
    continue after its own. A number whose placeholder already appears literally in ``text`` is
    skipped, so ``restore`` gives back the original text (unless ``text`` itself contains a
    placeholder of ``known``: that one is restored to its value like any other).
    """
    mapping: dict[str, str] = dict(known or {})
    by_value = {value: placeholder for placeholder, value in mapping.items()}
    taken = set(mapping) | {m.group() for m in _PLACEHOLDER.finditer(text)}
    counters: dict[str, int] = {}
    for key in mapping:
        match = _PLACEHOLDER.fullmatch(key)
        if match:
            label, number = match.group(1), int(match.group(2))
            counters[label] = max(counters.get(label, 0), number)

    pieces: list[str] = []
    used: list[Finding] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position or finding.end <= finding.start:
            continue  # overlapping or empty: the earlier finding already covers it
        value = text[finding.start:finding.end]
        placeholder = by_value.get(value)
        if placeholder is None:
            placeholder = _new_placeholder(_label(finding.kind), counters, taken)
            mapping[placeholder] = value
            by_value[value] = placeholder
            taken.add(placeholder)
        pieces += (text[position:finding.start], placeholder)
        used.append(finding)
        position = finding.end
    pieces.append(text[position:])
    return Redaction(text="".join(pieces), mapping=MappingProxyType(mapping), findings=tuple(used))


def _new_placeholder(label: str, counters: dict[str, int], taken: set[str]) -> str:
    number = counters.get(label, 0) + 1
    while f"{OPEN}{label}_{number}{CLOSE}" in taken:
        number += 1
    counters[label] = number
    return f"{OPEN}{label}_{number}{CLOSE}"


def _label(kind: str) -> str:
    """``date_of_birth`` → ``DATE_OF_BIRTH``: upper-case letters and underscores only."""
    label = re.sub(r"[^A-Z]+", "_", kind.upper()).strip("_")
    return label or "REDACTED"


class Restorer:
    """Restores placeholders in a streamed reply, whatever the chunk boundaries.

    ``feed`` returns the text that is safe to show now; a tail that could still become a known
    placeholder is held back until the next chunk (or ``flush``) decides it.
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._mapping = mapping
        self._held = ""

    def feed(self, chunk: str) -> str:
        """Add a chunk; return the restored text that can be shown."""
        text = self._held + chunk
        cut = text.rfind(OPEN)
        if cut != -1 and CLOSE not in text[cut:] and self._could_become_placeholder(text[cut:]):
            self._held = text[cut:]
            text = text[:cut]
        else:
            self._held = ""
        return restore(text, self._mapping)

    def flush(self) -> str:
        """The end of the reply: return whatever was held back, as it is."""
        held, self._held = self._held, ""
        return held

    def _could_become_placeholder(self, tail: str) -> bool:
        return len(tail) < _LONGEST_PLACEHOLDER and any(
            placeholder.startswith(tail) for placeholder in self._mapping)
