"""A receipt told in four sections, each figure with how it was obtained.

    Where and why         tier, model, the router's reason, fallback, difficulty, confidence
    What left this device host, privacy, bytes, sensitive classes (never values), exact text
    Tokens and time       counts and timings: measured, or estimated when usage was missing
    Cost                  this answer vs the same answer from the cloud model, and the basis

Rows are built from the receipt dictionary (``summary_sections``), then rendered as HTML for
the dialog (``summary_html``); a field a receipt lacks is left out rather than invented.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping
from typing import Any

from desktop.ui.theme import Palette
from desktop.ui.wording import class_label, class_list, kept_here, money, size, tier_label

# A receipt's fields by name, as ``Receipt.to_dict`` gives them.
Fields = Mapping[str, Any]
Row = tuple[str, str, str]  # label, value, how it was obtained
Section = tuple[str, list[Row]]

MEASURED_HERE = "measured on this computer's clock"


def summary_sections(receipt: Fields) -> list[Section]:
    return [("Where and why", _route(receipt)), ("What left this device", _sent(receipt)),
            ("Tokens and time", _tokens(receipt)), ("Cost", _cost(receipt))]


def _number(receipt: Fields, key: str) -> float | None:
    value = receipt.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _route(receipt: Fields) -> list[Row]:
    tier = str(receipt.get("tier") or "unknown")
    engine = " · ".join(str(receipt[k]) for k in ("provider", "model") if receipt.get(k))
    rows: list[Row] = []
    if receipt.get("outcome") == "failed":
        rows.append(("Outcome", "this attempt broke off: " + str(receipt.get("error") or
                     "no reason recorded"), "what left is still counted below and in the "
                     "ledger"))
    rows += [
        ("Computed by", f"{tier_label(tier)} ({engine})" if engine else tier_label(tier), ""),
        ("Why there", _why(receipt), "the router's reason"),
        ("Fallback", str(receipt.get("fallback") or "none"),
         "why a cloud tier was not used after all" if receipt.get("fallback") else ""),
    ]
    documents = _documents(receipt)
    if documents is not None:
        rows.append(documents)
    if receipt.get("fallback_from") is not None:
        rows.append(("Before this answer", "the question was sent to a cloud tier, whose "
                     "answer broke off", "that attempt has its own receipt, just above"))
    difficulty = _number(receipt, "difficulty")
    if difficulty is not None:
        rows.append(("Difficulty", f"{difficulty:.2f} of 1",
                     "estimated from the question (length, code, maths, steps, output asked)"))
    probability = _number(receipt, "token_probability")
    if probability is not None:
        rows.append(("Confidence", f"sure of its words {probability:.0%} on average",
                     "the mean probability llama.cpp gave the words it chose; a heuristic, "
                     "not a calibrated measure"))
    offer = receipt.get("escalation_offer")
    if offer:
        rows.append(("Offered", f"an answer from the {offer} tier, because this one looked "
                     "unsure", "one click on the answer asks it"))
    return rows


def _documents(receipt: Fields) -> Row | None:
    """The passages of the user's documents it was given, and what the context left out."""
    sources = [s for s in receipt.get("sources") or [] if isinstance(s, Mapping)]
    trimmed = int(_number(receipt, "sources_trimmed") or 0)
    if not sources and not trimmed:
        return None
    names = ", ".join(dict.fromkeys(f"“{s.get('collection')}”" for s in sources))
    value = f"{len(sources)} passage(s) from {names}" if sources else "no passage fitted"
    if trimmed:
        value += f"; {trimmed} lower-ranked left out to fit the local model's context"
    tokens = int(_number(receipt, "sources_tokens") or 0)
    basis = ("counted with the local model's tokenizer"
             if receipt.get("sources_token_basis") == "counted" else "estimated from length")
    return ("Documents", value, f"{tokens:,} tokens, {basis}" if sources else "")


def _why(receipt: Fields) -> str:
    kept = [str(k) for k in receipt.get("kept_local_for") or []]
    if kept:  # said from the receipt's classes, in words
        return f"{kept_here(kept)} Your privacy settings keep that here."
    return str(receipt.get("reason") or "not recorded")


def _sent(receipt: Fields) -> list[Row]:
    endpoint = receipt.get("endpoint")
    sent = _number(receipt, "bytes_sent") or 0
    privacy = receipt.get("privacy")
    state = {"on-device": "nothing left this computer",
             "redacted": "sent, with sensitive values replaced by placeholders",
             "sent": "sent as written"}.get(str(privacy), str(privacy or "not recorded"))
    rows: list[Row] = [
        ("Host", str(endpoint) if endpoint else "none: computed on this device", ""),
        ("Privacy", state, ""),
        ("Data sent", f"{int(sent):,} bytes ({size(int(sent))})" if sent else "0 bytes",
         "measured: the request bodies that went out, retries included" if sent else ""),
    ]
    findings = receipt.get("findings") or []
    counts = Counter(str(f.get("kind")) for f in findings if isinstance(f, Mapping))
    found = ", ".join(f"{class_label(kind)} ({count})" for kind, count in counts.items())
    rows.append(("Found in the question", found or "no sensitive data",
                 "the privacy gate, on this computer; values are never stored"))
    classes = [str(c) for c in receipt.get("classes") or []]
    if classes and set(classes) != set(counts):
        rows.append(("In the conversation", class_list(classes),
                     "earlier messages go with the question"))
    digest = receipt.get("payload_sha256")
    if digest:
        rows.append(("SHA-256 of the request", str(digest),
                     "of each request body sent; the audit log holds the same hash"))
    parts = receipt.get("redacted_parts") or []
    if parts:
        rows.append(("Changed before sending", ", ".join(str(p) for p in parts),
                     "sensitive values replaced by placeholders in these parts"))
    return rows


def _token_source(receipt: Fields) -> str:
    if receipt.get("tier") == "local":
        return "counted by llama.cpp"
    if receipt.get("usage_estimated"):
        return "estimated: the provider reported no usage (about 4 characters a token)"
    return "reported by the provider (its usage figures)"


def _tokens(receipt: Fields) -> list[Row]:
    source = _token_source(receipt)
    rows: list[Row] = []
    for key, label in (("tokens_in", "Prompt tokens"), ("tokens_cached", "Cached by the "
                       "provider"), ("tokens_reused", "Reused from the last turn"),
                       ("tokens_out", "Answer tokens")):
        value = _number(receipt, key)
        if value is None or (key in ("tokens_cached", "tokens_reused") and not value):
            continue
        rows.append((label, f"{int(value):,}", source))
    timings = (("ttft_s", "Time to first token", "{:.2f} s"),
               ("prompt_tok_per_s", "Prompt speed", "{:.1f} tokens/s"),
               ("decode_tok_per_s", "Answer speed", "{:.1f} tokens/s"),
               ("duration_s", "Total time", "{:.2f} s"))
    for key, label, shape in timings:
        value = _number(receipt, key)
        if value is not None:
            rows.append((label, shape.format(value), MEASURED_HERE))
        elif key in receipt and (key != "prompt_tok_per_s" or receipt.get("tier") == "local"):
            rows.append((label, "not measured", _unmeasured(receipt, key)))
    energy = _number(receipt, "energy_j")
    if energy is not None:
        kind = str(receipt.get("cost_kind") or "unknown")
        rows.append(("Energy", f"{energy:,.0f} J ({energy / 3600:.4f} Wh)",
                     "measured by the CPU's energy counter (RAPL)" if kind == "measured"
                     else "estimated from the power setting and the time taken"))
    elif receipt.get("tier") == "local":
        rows.append(("Energy", "unknown", "set the power draw under Settings → Costs"))
    return rows


def _unmeasured(receipt: Fields, key: str) -> str:
    if key == "decode_tok_per_s" and receipt.get("usage_estimated"):
        return "the provider reported no token counts"
    return ""


def _kind_and_basis(receipt: Fields, kind_key: str, basis_key: str, note_key: str) -> str:
    """The sentence saying how a figure was obtained (and from which price, dated), else the
    basis written by older versions, else its kind."""
    for key in (note_key, basis_key):
        text = receipt.get(key)
        if isinstance(text, str) and text:
            return text
    kind = receipt.get(kind_key)
    return str(kind) if kind else "not said"


def _cost(receipt: Fields) -> list[Row]:
    cost = _number(receipt, "cost_usd")
    cloud = _number(receipt, "cloud_equivalent_usd")
    rows: list[Row] = [
        ("This answer", money(cost) if cost is not None else "unknown",
         _kind_and_basis(receipt, "cost_kind", "cost_basis", "cost_note")),
        ("Same answer from the cloud model", money(cloud) if cloud is not None else "unknown",
         _kind_and_basis(receipt, "cloud_equivalent_kind", "cloud_equivalent_basis",
                         "cloud_equivalent_note")),
    ]
    if cost is not None and cloud is not None:
        difference = cloud - cost
        kinds = {receipt.get("cost_kind"), receipt.get("cloud_equivalent_kind")}
        how = ("estimated (one of the two is)" if "estimated" in kinds
               else "computed from the two figures above")
        if difference >= 0:
            rows.append(("Saved", money(difference), how))
        else:
            rows.append(("Extra cost", money(-difference), how))
    else:
        rows.append(("Saved", "unknown", "needs both figures above"))
    return rows


def summary_html(receipt: Fields, palette: Palette) -> str:
    """The sections as HTML tables, and the exact text that was sent, for a QTextBrowser."""
    parts = []
    for title, rows in summary_sections(receipt):
        parts.append(f'<h3 style="margin: 14px 0 4px 0;">{html.escape(title)}</h3>'
                     '<table width="100%" cellspacing="0" cellpadding="3">')
        for label, value, source in rows:
            parts.append(
                f'<tr><td width="28%" valign="top" style="color: {palette.muted};">'
                f"{html.escape(label)}</td><td valign=\"top\">{html.escape(value)}"
                + (f'<br><span style="color: {palette.muted}; font-size: small;">'
                   f"{html.escape(source)}</span>" if source else "")
                + "</td></tr>")
        parts.append("</table>")
        if title == "What left this device":
            parts.append(_payload_html(receipt, palette))
    return "".join(parts)


def _payload_html(receipt: Fields, palette: Palette) -> str:
    payload = receipt.get("payload")
    if not payload:
        return ""
    host = receipt.get("endpoint") or "the host"
    return (f'<p style="margin: 8px 0 4px 0;">Exactly this text went to '
            f"<b>{html.escape(str(host))}</b>:</p>"
            f'<table width="100%" cellpadding="8" cellspacing="0" '
            f'bgcolor="{palette.inline_code_bg}"><tr><td>'
            f'<pre style="white-space: pre-wrap; margin: 0;">{html.escape(str(payload))}</pre>'
            "</td></tr></table>")
