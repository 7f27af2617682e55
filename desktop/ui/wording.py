"""How the core's values read in the window: sensitive-data classes, tiers, measurement kinds,
where an answer was computed and what will happen to the next question."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlparse

from desktop.core.assistant import Outlook
from desktop.core.receipt import Receipt

# What a file dialog that chooses a model (chat or embedding) offers.
MODEL_FILE_FILTER = "GGUF models (*.gguf);;All files (*)"

# The privacy gate's classes (desktop.core.routing.KINDS); a class missing here still reads
# sensibly through ``class_label``.
CLASS_LABELS = {
    "secret": "secrets and credentials",
    "payment_card": "payment card numbers",
    "iban": "IBANs",
    "national_id": "national identity numbers",
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "ip_address": "IP addresses",
    "date_of_birth": "dates of birth",
    "address": "postal addresses",
    "health": "health information",
    "financial": "financial details",
    "custom": "your custom sensitive terms",
}

# One value of a class, for a sentence ("it contains a card number").
CLASS_ONE = {
    "secret": "a secret or credential",
    "payment_card": "a card number",
    "iban": "an IBAN",
    "national_id": "a national identity number",
    "email": "an e-mail address",
    "phone": "a phone number",
    "ip_address": "an IP address",
    "date_of_birth": "a date of birth",
    "address": "a postal address",
    "health": "health information",
    "financial": "financial details",
    "custom": "one of your sensitive terms",
}

TIER_LABELS = {
    "local": "this computer",
    "private": "your private server",
    "frontier": "the cloud model",
}

KIND_LABELS = {
    "measured": "measured",
    "estimated": "estimated",
    "unknown": "unknown",
}


def class_label(kind: str, *, capital: bool = False) -> str:
    text = CLASS_LABELS.get(kind, kind.replace("_", " "))
    return text[:1].upper() + text[1:] if capital else text


def class_list(kinds: Iterable[str]) -> str:
    """``"phone numbers, e-mail addresses"``, or ``"none"``."""
    labels = [class_label(kind) for kind in kinds]
    return ", ".join(labels) if labels else "none"


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


def money(usd: float) -> str:
    """Dollars with two significant digits below a cent (an answer can cost $0.0000012)."""
    if usd == 0:
        return "$0"
    if abs(usd) < 0.01:
        decimals = min(10, 1 - math.floor(math.log10(abs(usd))))
        return f"${usd:.{decimals}f}".rstrip("0").rstrip(".")
    return f"${usd:,.2f}"


def size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def class_one(kind: str) -> str:
    return CLASS_ONE.get(kind, kind.replace("_", " "))


def joined(items: Iterable[str]) -> str:
    """``"a, b and c"``."""
    words = list(items)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def kept_here(kinds: Iterable[str]) -> str:
    """Why a question stayed: ``"Kept on this device: it contains a card number."``."""
    return f"Kept on this device: it contains {joined(class_one(k) for k in kinds)}."


# -- where an answer was computed ----------------------------------------------------------

Place = Literal["here", "cloud", "failed"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an answer was computed, in words, and which colour says it: ``place``."""

    text: str
    place: Place
    detail: str = ""  # the model, how the text left: said after the words, less loudly


def origin(receipt: Receipt) -> Origin:
    """The heading of an answer: "On this device", or the cloud host it came from."""
    if receipt.tier == "local":
        return Origin("On this device", "here", receipt.model)
    host = host_of(receipt.endpoint) or receipt.provider
    where = "your private server" if receipt.tier == "private" else "the cloud"
    how = {"redacted": "sent with placeholders", "sent": "sent as written"}.get(
        receipt.privacy, "")
    detail = " · ".join(filter(None, [receipt.model, how]))
    if receipt.outcome == "failed":
        return Origin(f"Sent to {where} ({host}) · broke off", "failed", detail)
    return Origin(f"From {where} · {host}", "cloud", detail)


def writing_origin(tier: str | None) -> Origin:
    """The heading of an answer being written, once the router has chosen its tier."""
    if tier in ("private", "frontier"):
        return Origin(f"Asking {tier_label(tier)}", "cloud")
    return Origin("On this device", "here")


def host_of(endpoint: str | None) -> str:
    """``api.example.com`` or ``gpu-box.lan:8080`` from an endpoint, with or without a scheme
    or path."""
    if not endpoint:
        return ""
    return urlparse(endpoint if "//" in endpoint else f"//{endpoint}").netloc or endpoint


# -- what will happen to the next question -------------------------------------------------


def _tiers(outlook: Outlook) -> str:
    """Where a hard question goes: the first tier set up (the private one before frontier)."""
    return tier_label(outlook.tiers[0]) if outlook.tiers else "a cloud tier"


def outlook_status(outlook: Outlook) -> tuple[str, str]:
    """The status bar's words for the next question, and its tooltip."""
    kind = outlook.kind
    if kind == "offline":
        return ("Offline: answers stay on this device",
                "Offline mode is on: Hearth refuses every network connection; every answer is "
                "computed on this computer.")
    if kind == "escalation_off":
        return ("On this device only",
                "Letting questions leave this device is off (Settings → Cloud): every answer is "
                "computed on this computer and nothing is sent anywhere.")
    if kind == "locked":
        return ("This chat stays on this device",
                "You keep this chat on this device: its questions are answered here, even "
                "though other chats may ask a cloud tier.")
    if kind == "no_tier":
        return ("On this device only: no cloud tier set up",
                "Questions may leave this device, but no private server or cloud model is set "
                "up (Settings → Cloud), so every answer is computed here.")
    if kind == "key_refused":
        return ("On this device only: a cloud key was refused",
                f"{_refused(outlook)} Every answer is computed here until you store a new key "
                "(Settings → Cloud).")
    when = "Hard or unsure questions" if outlook.cascade == "auto" else "Hard questions"
    return (f"{when} may go to {_tiers(outlook)}", _may_leave(outlook))


def _may_leave(outlook: Outlook) -> str:
    parts = [f"A question is answered on this computer unless it looks hard "
             f"(difficulty {outlook.threshold:g} or more on a scale of 0 to 1): then it goes "
             f"to {_tiers(outlook)}."]
    if outlook.cascade == "auto":
        parts.append("An answer from here that looks unsure is asked there too.")
    elif outlook.cascade == "offer":
        parts.append("An answer from here that looks unsure offers to ask there.")
    if outlook.sensitive_kept:
        parts.append("A question holding sensitive data your privacy settings keep here "
                     "stays here.")
    parts.append("Keep a chat on this device to keep all of it here.")
    if outlook.refused:
        parts.append(_refused(outlook) + " Store a new key in Settings → Cloud.")
    return " ".join(parts)


def _refused(outlook: Outlook) -> str:
    """``"The frontier tier is not used: the key was refused by … (HTTP 401) on …."``"""
    return " ".join(f"{tier_label(tier).capitalize()} is not used: {why}."
                    for tier, why in outlook.refused)


# Why no cloud tier can be asked, as the Chat menu says it, and the settings page that
# changes it (None: nothing to change there).
_NO_CLOUD_ENTRIES: dict[str, tuple[str, str | None]] = {
    "offline": ("No cloud tier: offline mode is on (Settings → General)…", "General"),
    "escalation_off": ("No cloud tier: questions may not leave this device "
                       "(Settings → Cloud)…", "Cloud"),
    "no_tier": ("No cloud tier is set up (Settings → Cloud)…", "Cloud"),
    "key_refused": ("No cloud tier: its key was refused (Settings → Cloud)…", "Cloud"),
    "locked": ("No cloud tier: this chat is kept on this device", None),
}


def no_cloud_entry(kind: str) -> tuple[str, str | None] | None:
    """The Chat menu's entry for an outlook ``kind`` where no cloud tier can answer, and the
    settings page it opens; None where one may."""
    return _NO_CLOUD_ENTRIES.get(kind)


def outlook_empty_state(outlook: Outlook) -> str:
    """What the empty chat says will happen to the first question."""
    kind = outlook.kind
    if kind == "offline":
        return ("Ask anything. Offline mode is on: Hearth answers with the model on this "
                "computer, and nothing you type here leaves it.")
    if kind == "escalation_off":
        return ("Ask anything. Hearth answers with the model on this computer, and nothing "
                "you type here leaves it.")
    if kind == "locked":
        return ("Ask anything. This chat is kept on this device: every answer is computed "
                "here, and nothing you type in it leaves this computer.")
    if kind == "no_tier":
        return ("Ask anything. Hearth answers with the model on this computer; no cloud tier "
                "is set up, so nothing you type here leaves it.")
    if kind == "key_refused":
        return ("Ask anything. Hearth answers with the model on this computer: the cloud "
                "provider refused the key stored for it, so nothing you type here leaves it "
                "until you store a new one (Settings → Cloud).")
    return ("Ask anything. Hearth answers on this computer, but a question that looks hard "
            f"may be sent to {_tiers(outlook)}"
            + (" (unless it holds data your privacy settings keep here)"
               if outlook.sensitive_kept else "")
            + ". Each answer says where it was computed. To keep this chat here, tick "
            "“Keep this chat on this device”.")
