"""The receipt badge and dialog are driven by whatever fields a receipt has."""

from __future__ import annotations

import dataclasses
import json

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.core.receipt import Finding, Receipt
from desktop.ui.receipt import NOT_MEASURED, ReceiptDialog, badge_parts, money, receipt_rows


def _local(**changes: object) -> Receipt:
    receipt = Receipt(
        tier="local", provider="llama.cpp", model="qwen2.5-1.5b", endpoint=None,
        privacy="on-device", bytes_sent=0, tokens_in=1234, tokens_out=56, ttft_s=0.2,
        decode_tok_per_s=41.26, cost_usd=0.00002, cloud_equivalent_usd=None,
        reason="answered on this device", duration_s=1.5, finish_reason="stop",
        backend="CPU", gpu_layers=0,
    )
    return dataclasses.replace(receipt, **changes)  # type: ignore[arg-type]


def test_a_local_answer_says_where_it_was_made_and_what_it_cost_in_words() -> None:
    assert badge_parts(_local().to_dict(), "Seventy six words would be here.") == [
        "On this device", "0 bytes sent", "6 words in 1.5 s", "$0.00002 electricity"]
    assert badge_parts(_local().to_dict()) == [  # without the text: its tokens
        "On this device", "0 bytes sent", "1,234 → 56 tokens in 1.5 s", "$0.00002 electricity"]


def test_a_stopped_or_trimmed_answer_says_so() -> None:
    parts = badge_parts(_local(finish_reason="cancelled", trimmed_messages=3).to_dict())
    assert "stopped" in parts and "older messages left out" in parts


def test_fields_from_later_tiers_need_no_new_code() -> None:
    cloud = Receipt(
        tier="frontier", provider="anthropic", model="cloud-model-x",
        endpoint="https://api.anthropic.com/v1/messages", privacy="redacted",
        bytes_sent=2048, tokens_in=900, tokens_out=300, ttft_s=0.5, decode_tok_per_s=80.0,
        cost_usd=0.0123, cloud_equivalent_usd=0.0123, reason="hard question",
        findings=(Finding(kind="email", start=4, end=20),), fallback="local model too slow",
    ).to_dict()
    cloud["region"] = "eu-west"  # a field this version has never heard of
    parts = badge_parts(cloud)
    assert parts[:2] == ["api.anthropic.com", "2.0 KB sent with placeholders"]
    assert "cost $0.01" in parts and "electricity" not in " ".join(parts)
    assert "instead of a cloud tier: local model too slow" in parts
    rows = dict(receipt_rows(cloud))
    assert rows["Endpoint"] == "https://api.anthropic.com/v1/messages"
    assert rows["Sensitive data found"] == "email (characters 4–20)"
    assert rows["Region"] == "eu-west"
    assert rows["Data sent"] == "2,048 (2.0 KB)"


def test_unmeasured_fields_say_so_instead_of_inventing_a_number() -> None:
    rows = dict(receipt_rows(_local(ttft_s=None, cost_usd=None).to_dict()))
    assert rows["Time to first token"] == NOT_MEASURED
    assert rows["Cost of this answer"] == "unknown"
    assert rows["Endpoint"] == "none: computed on this device"
    assert rows["Data sent"] == "0 (nothing left this device)"
    assert "cost" not in " ".join(badge_parts(_local(cost_usd=None).to_dict()))


def test_estimates_are_marked_as_such() -> None:
    parts = badge_parts(_local(cost_kind="estimated", cloud_equivalent_usd=0.002,
                               cloud_equivalent_kind="estimated").to_dict())
    assert "≈ $0.00002 electricity" in parts
    assert "$0.00002 electricity" in badge_parts(_local(cost_kind="measured").to_dict())


def test_money_is_shown_with_useful_precision() -> None:
    assert money(0) == "$0"
    assert money(0.000123) == "$0.00012"
    assert money(12.5) == "$12.50"


def test_the_dialog_lists_every_field_and_copies_it_as_json(qtbot: QtBot) -> None:
    receipt = _local()
    dialog = ReceiptDialog(receipt)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
    assert labels[:3] == ["Computed by", "Engine", "Model"]
    assert len(labels) == len(receipt.to_dict())
    dialog.copy_json()
    assert json.loads(QGuiApplication.clipboard().text()) == json.loads(
        json.dumps(receipt.to_dict()))


def _sent(**changes: object) -> Receipt:
    receipt = Receipt(
        tier="frontier", provider="openai", model="gpt-test-1", endpoint="api.openai.com",
        privacy="redacted", bytes_sent=812, tokens_in=120, tokens_out=40, ttft_s=0.4,
        decode_tok_per_s=55.0, cost_usd=0.0021, cloud_equivalent_usd=0.0021,
        reason="looks hard for the local model: difficulty 0.72 of 1 (code), at or above your "
               "threshold of 0.6", cost_kind="measured",
        cost_basis="measured: 120 in + 40 out tokens reported by the provider, openai/gpt-test-1",
        cloud_equivalent_kind="measured",
        cloud_equivalent_basis="this answer came from the frontier model: same as its cost",
        findings=(Finding(kind="email", start=17, end=37),), classes=("email", "phone"),
        payload="[user]\nDraft a note to ⟨EMAIL_1⟩ please", payload_sha256="ab" * 32,
        difficulty=0.72, duration_s=1.2,
    )
    return dataclasses.replace(receipt, **changes)  # type: ignore[arg-type]


def test_the_summary_shows_host_payload_findings_and_how_each_figure_was_obtained(
        qtbot: QtBot) -> None:
    dialog = ReceiptDialog(_sent())
    qtbot.addWidget(dialog)
    dialog.show()
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Summary", "All fields"]
    text = dialog.summary.toPlainText()
    assert "api.openai.com" in text and "Exactly this text went to api.openai.com" in text
    assert "Draft a note to ⟨EMAIL_1⟩ please" in text
    assert "e-mail addresses (1)" in text and "phone numbers" in text  # classes, no values
    assert "looks hard for the local model" in text and "0.72 of 1" in text
    assert "reported by the provider (its usage figures)" in text
    assert "measured: 120 in + 40 out tokens" in text  # the cost's basis (an older receipt)
    assert "812 bytes" in text and "ab" * 32 in text


def test_a_failed_attempt_and_its_fallback_say_so(qtbot: QtBot) -> None:
    failed = ReceiptDialog(_sent(outcome="failed", error="frontier tier connection lost",
                                 redacted_parts=("system prompt", "question"),
                                 cost_note="estimated tokens × list price, dated 2026-11-03"))
    qtbot.addWidget(failed)
    text = failed.summary.toPlainText()
    assert "this attempt broke off: frontier tier connection lost" in text
    assert "system prompt, question" in text
    assert "estimated tokens × list price, dated 2026-11-03" in text  # the note wins
    fallback = ReceiptDialog(_local(fallback="frontier tier connection lost", fallback_from=7))
    qtbot.addWidget(fallback)
    assert "the question was sent to a cloud tier" in fallback.summary.toPlainText()


def test_estimated_and_unknown_figures_say_so(qtbot: QtBot) -> None:
    estimated = ReceiptDialog(_sent(usage_estimated=True, decode_tok_per_s=None,
                                    cost_kind="estimated"))
    qtbot.addWidget(estimated)
    text = estimated.summary.toPlainText()
    assert "estimated: the provider reported no usage" in text
    assert "the provider reported no token counts" in text
    local = ReceiptDialog(_local(cost_kind="estimated", energy_j=45.0,
                                 cost_basis="estimated: 30 W for 1.50 s at $0.3/kWh",
                                 cloud_equivalent_usd=None, cloud_equivalent_kind="unknown",
                                 cloud_equivalent_basis="unknown: no frontier model is "
                                                        "configured",
                                 escalation_offer="frontier", token_probability=0.21,
                                 fallback="you chose not to send it"))
    qtbot.addWidget(local)
    text = local.summary.toPlainText()
    assert "none: computed on this device" in text and "Exactly this text" not in text
    assert "estimated from the power setting" in text
    assert "unknown: no frontier model is configured" in text
    assert "needs both figures above" in text
    assert "sure of its words 21% on average" in text and "frontier tier" in text
    assert "you chose not to send it" in text


def test_a_cloud_badge_names_the_host_and_what_was_sent() -> None:
    parts = badge_parts(_sent().to_dict())
    assert parts[:2] == ["api.openai.com", "812 B sent with placeholders"]
    assert "instead of a cloud tier: offline" in badge_parts(_local(fallback="offline").to_dict())


def test_a_receipt_kept_here_for_its_data_says_why_in_words(qtbot: QtBot) -> None:
    kept = _local(kept_local_for=("payment_card", "email"),
                  reason="it holds payment card numbers and e-mail addresses, which your "
                          "privacy settings keep on this device")
    dialog = ReceiptDialog(kept)
    qtbot.addWidget(dialog)
    text = dialog.summary.toPlainText()
    assert "Kept on this device: it contains a card number and an e-mail address." in text
    assert "payment_card" not in text
    # The table of every field names the kinds in words too.
    kept = _local(classes=("payment_card", "email"))
    table = ReceiptDialog(kept)
    qtbot.addWidget(table)
    rows = {table.table.item(r, 0).text(): table.table.item(r, 1).text()
            for r in range(table.table.rowCount())}
    assert rows["Sensitive kinds in the conversation"] == "payment card numbers, e-mail addresses"
