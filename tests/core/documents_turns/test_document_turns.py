"""Questions that draw on the user's documents, through the whole turn: retrieval, the router's
"kept on this device" rule for collections, redaction of passages that may be sent, the audit
record, the receipt's sources and the context budget.

Real parts: llama.cpp on the tiny model, the real document library (SQLite FTS5) over real
files, real SQLite for the conversations, the real audit log, and a loopback server speaking
OpenAI's Chat Completions stream for the frontier tier (it records every request).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.assistant import Assistant, ConsentRequest
from desktop.core.audit import AuditLog
from desktop.core.chat import ChatMessage
from desktop.core.documents import Library
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from tests.core.cloud.loopback import LoopbackServer
from tests.core.cloud.support import MODELS, memory_keys
from tests.core.cloud.wire import openai_stream, sse_reply
from tests.core.documents_turns.conftest import add_collection

BOILER = ("# Boiler\n\nThe boiler service is due every March. The installer is Northside "
          "Heating and the boiler model is the Vaillant ecoTEC 825.\n")
SHARED = ("# Contacts\n\nFor the boiler service write to jan.smit@example.com; the deposit was "
          "paid with the card 4111 1111 1111 1111.\n")


@pytest.fixture
def frontier(settings: Settings, server: LoopbackServer) -> Settings:
    """Escalation on, the frontier tier (OpenAI's format) on the loopback server."""
    settings.set("local.max_tokens", 6)
    settings.set("cloud.escalation", True)
    settings.set("cloud.read_timeout_s", 5.0)
    settings.set("tiers.frontier.provider", "openai")
    settings.set("tiers.frontier.model", MODELS["openai"])
    settings.set("tiers.frontier.base_url", f"{server.url}/v1")
    return settings


def _assistant(store: ConversationStore, settings: Settings) -> Assistant:
    return Assistant(store, settings, ModelSlot(settings), keys=memory_keys())


def _outbound_records() -> list[dict[str, object]]:
    records = [json.loads(line) for line in AuditLog().lines()]
    return [r for r in records if r["type"] == "outbound_request"]


def test_a_collection_kept_on_this_device_keeps_the_question_here(
        frontier: Settings, store: ConversationStore, server: LoopbackServer,
        library: Library, tmp_path: Path) -> None:
    add_collection(library, tmp_path / "tax", "Tax 2025", "device", {"boiler.md": BOILER})
    assistant = _assistant(store, frontier)
    try:
        result = assistant.ask("When is the boiler service due?", tier="frontier",
                               collections=("Tax 2025",))
    finally:
        assistant.models.close()
    receipt = result.receipt
    assert server.requests == [] and _outbound_records() == []
    assert receipt.tier == "local" and receipt.bytes_sent == 0
    assert receipt.reason == "it draws on “Tax 2025”, kept on this device"
    assert receipt.kept_local_for_collections == ("Tax 2025",)
    assert [(s.collection, Path(s.path).name) for s in receipt.sources] == [
        ("Tax 2025", "boiler.md")]
    assert receipt.sources[0].position.startswith("§ Boiler")
    assert "boiler service" in receipt.sources[0].snippet.lower()
    # The engine was needed anyway, so its tokenizer counted the passages.
    assert receipt.sources_token_basis == "counted" and receipt.sources_tokens > 0
    # A new conversation records the collections it was asked with.
    assert store.conversation(result.conversation_id).collections == ("Tax 2025",)
    # The stored receipt keeps the sources (JSON round trip through the store).
    stored = store.message(result.assistant_message_id).receipt
    assert stored is not None and stored.sources == receipt.sources


def test_the_conversations_choice_is_used_when_the_turn_names_none(
        frontier: Settings, store: ConversationStore, server: LoopbackServer,
        library: Library, tmp_path: Path) -> None:
    add_collection(library, tmp_path / "tax", "Tax 2025", "device", {"boiler.md": BOILER})
    conversation = store.create_conversation("boiler")
    # "Old notes" was removed after it was chosen: it is passed over, not an error.
    store.set_collections(conversation.id, ["Old notes", "Tax 2025"])
    assistant = _assistant(store, frontier)
    try:
        result = assistant.ask("Who installed the boiler?", conversation_id=conversation.id,
                               tier="frontier")
    finally:
        assistant.models.close()
    assert server.requests == []
    assert result.receipt.kept_local_for_collections == ("Tax 2025",)
    assert [s.collection for s in result.receipt.sources] == ["Tax 2025"]


def test_passages_that_may_be_sent_are_redacted_and_audited(
        frontier: Settings, store: ConversationStore, server: LoopbackServer,
        library: Library, tmp_path: Path) -> None:
    frontier.set("privacy.email", "redact")
    frontier.set("privacy.payment_card", "redact")
    add_collection(library, tmp_path / "shared", "House", "send", {"contacts.md": SHARED})
    server.queue(sse_reply(openai_stream(["Write to ⟨EMA", "IL_1⟩ [1]."])))
    result = _assistant(store, frontier).ask("Whom do I write about the boiler service?",
                                             tier="frontier", collections=("House",))
    [request] = server.requests
    sent = json.loads(request.body)
    text = "\n".join(m["content"] for m in sent["messages"])
    assert "jan.smit@example.com" not in text and "4111 1111 1111 1111" not in text
    assert "⟨EMAIL_1⟩" in text and "[1] contacts.md, § Contacts" in text
    assert text.rstrip().endswith("Whom do I write about the boiler service?")
    assert result.text == "Write to jan.smit@example.com [1]."  # placeholders put back
    receipt = result.receipt
    assert receipt.tier == "frontier" and receipt.privacy == "redacted"
    assert set(receipt.classes) == {"email", "payment_card"}
    assert receipt.redacted_parts == ("question with document passages",)
    assert [s.collection for s in receipt.sources] == ["House"]
    # The payload shown (and what a consent preview shows) holds the passage as it left.
    assert receipt.payload is not None and "⟨EMAIL_1⟩" in receipt.payload
    [record] = _outbound_records()
    assert record["collections"] == ["House"]


def test_the_consent_preview_shows_the_passages_that_would_leave(
        frontier: Settings, store: ConversationStore, server: LoopbackServer,
        library: Library, tmp_path: Path) -> None:
    frontier.set("privacy.email", "ask")
    frontier.set("privacy.payment_card", "redact")
    add_collection(library, tmp_path / "shared", "House", "send", {"contacts.md": SHARED})
    shown: list[str] = []

    def decline(request: ConsentRequest) -> bool:
        shown.append(request.payload)
        return False

    assistant = _assistant(store, frontier)
    try:
        result = assistant.ask("Whom do I write about the boiler service?", tier="frontier",
                               collections=("House",), consent=decline)
    finally:
        assistant.models.close()
    assert server.requests == [] and result.receipt.tier == "local"
    [payload] = shown
    assert "jan.smit@example.com" in payload and "[1] contacts.md" in payload
    assert "4111 1111 1111 1111" not in payload  # redacted before it was shown


def _long_files(count: int) -> dict[str, str]:
    """``count`` files about the boiler, each about 200 tokens of the tiny model, the first ones
    matching the question best (the words repeated more often)."""
    files = {}
    for number in range(count):
        mentions = " ".join(["boiler pressure"] * (count - number))
        filler = " ".join(f"word{number}x{i}" for i in range(30))
        files[f"note{number:02}.txt"] = f"{mentions}. {filler}\n"
    return files


def test_many_long_passages_are_trimmed_lowest_rank_first_to_fit_the_context(
        settings: Settings, store: ConversationStore, library: Library,
        tmp_path: Path) -> None:
    settings.set("local.context_size", 1024)
    settings.set("local.max_tokens", 16)
    add_collection(library, tmp_path / "notes", "Notes", "device", _long_files(8))
    question = "What is the boiler pressure?"
    ranked = library.search(["Notes"], question)
    assert len(ranked) == 8
    assistant = _assistant(store, settings)
    try:
        result = assistant.ask(question, collections=("Notes",))
        engine = assistant.models.loaded
        assert engine is not None
        receipt = result.receipt
        kept = len(receipt.sources)
        assert 0 < kept < 8 and receipt.sources_trimmed == 8 - kept
        # The best-ranked passages stayed, in their order; the lowest-ranked went.
        assert [s.chunk_id for s in receipt.sources] == [p.chunk_id for p in ranked[:kept]]
        # The whole prompt (documents included) fitted: nothing older had to be dropped and
        # the answer had its room.
        assert receipt.trimmed_messages == 0
        assert receipt.tokens_in + 16 <= engine.info.context_size
        assert receipt.sources_token_basis == "counted"
        assert receipt.sources_note is not None and "left out" in receipt.sources_note
    finally:
        assistant.models.close()


def test_fit_keeps_a_prefix_of_the_ranking_and_counts_what_it_drops() -> None:
    from desktop.core.assistant._documents import INSTRUCTIONS, QUESTION_LEAD, fit_passages
    from desktop.core.documents import Passage

    passages = [Passage("C", "send", f"/d/f{i}.txt", "lines 1–2", "x" * 40, "x", 1.0 - i / 10,
                        i) for i in range(5)]
    # One "token" per character: the fixed parts, then 40 characters of text plus the entry's
    # "[n] fN.txt, lines 1–2\n" line and two newlines per passage.
    fixed = len(INSTRUCTIONS) + len(QUESTION_LEAD) + 4
    entry = len("[1] f0.txt, lines 1–2\n") + 40 + 2
    fitted = fit_passages(passages, budget=fixed + 2 * entry + 5, count=len,
                          basis="estimated")
    assert [p.chunk_id for p in fitted.passages] == [0, 1]
    assert fitted.trimmed == 3 and fitted.tokens == fixed + 2 * entry
    nothing = fit_passages(passages, budget=fixed, count=len, basis="estimated")
    assert nothing.passages == () and nothing.trimmed == 5 and nothing.block == ""
    assert nothing.apply([ChatMessage("user", "q")]) == [ChatMessage("user", "q")]


def test_the_route_preview_shows_the_passages_and_loads_no_model(
        frontier: Settings, store: ConversationStore, server: LoopbackServer,
        library: Library, tmp_path: Path) -> None:
    frontier.set("privacy.email", "redact")
    frontier.set("privacy.payment_card", "redact")
    add_collection(library, tmp_path / "tax", "Tax 2025", "device", {"boiler.md": BOILER})
    add_collection(library, tmp_path / "shared", "House", "send", {"contacts.md": SHARED})
    assistant = _assistant(store, frontier)
    kept = assistant.route("When is the boiler service due?", tier="frontier",
                           collections=("Tax 2025",))
    assert kept.decision.tier == "local" and kept.payload is None
    assert kept.decision.kept_for_collections == ("Tax 2025",)
    assert [s.collection for s in kept.sources] == ["Tax 2025"]
    sent = assistant.route("Whom do I write about the boiler service?", tier="frontier",
                           collections=("House",))
    assert sent.decision.tier == "frontier" and sent.payload is not None
    assert "[1] contacts.md" in sent.payload and "⟨EMAIL_1⟩" in sent.payload
    assert "jan.smit@example.com" not in sent.payload
    assert assistant.models.loaded is None and server.requests == []


def test_an_estimated_fit_is_checked_with_the_tokenizer_when_answered_here(
        settings: Settings, store: ConversationStore, library: Library,
        tmp_path: Path) -> None:
    """Passages that may be sent are sized by estimate (no model is loaded for a question that
    may leave); answered here after all, they are fitted again by the model's tokenizer, which
    splits this tiny model's text far more finely than the estimate assumes."""
    settings.set("local.context_size", 1024)
    settings.set("local.max_tokens", 16)
    add_collection(library, tmp_path / "notes", "Notes", "send", _long_files(8))
    question = "What is the boiler pressure?"
    assistant = _assistant(store, settings)
    estimated = assistant.documents.context_for(
        ("Notes",), question, [ChatMessage("user", question)], model_path=None,
        max_tokens=16, load_engine=False)
    assert estimated is not None and estimated.token_basis == "estimated"
    try:
        receipt = assistant.ask(question, collections=("Notes",)).receipt  # escalation off
        engine = assistant.models.loaded
        assert engine is not None
        assert receipt.sources_token_basis == "counted"
        assert len(receipt.sources) < len(estimated.passages)  # the estimate was too kind
        assert receipt.sources_trimmed == 8 - len(receipt.sources)
        assert receipt.trimmed_messages == 0
        assert receipt.tokens_in + 16 <= engine.info.context_size
    finally:
        assistant.models.close()


def test_receipts_keep_their_sources_through_json_and_old_ones_still_load() -> None:
    from desktop.core.receipt import Receipt, Source

    receipt = Receipt(
        tier="local", provider="llama.cpp", model="m", endpoint=None, privacy="on-device",
        bytes_sent=0, tokens_in=10, tokens_out=2, ttft_s=None, decode_tok_per_s=None,
        cost_usd=None, cloud_equivalent_usd=None, reason="r",
        sources=(Source(collection="Tax 2025", path="/home/a/report.pdf", position="page 3",
                        page=3, snippet="due in March", score=0.03, chunk_id=7),),
        sources_trimmed=2, sources_tokens=96, sources_token_basis="counted",
        kept_local_for_collections=("Tax 2025",))
    data = json.loads(json.dumps(receipt.to_dict()))
    assert Receipt.from_dict(data) == receipt
    assert data["sources_note"] == ("1 passage(s), 96 tokens (counted with the local model's "
                                    "tokenizer); 2 lower-ranked passage(s) left out to fit "
                                    "the local model's context")
    assert receipt.sources[0].label == "report.pdf, page 3"
    old = {k: v for k, v in data.items()
           if not k.startswith("sources") and k != "kept_local_for_collections"}
    loaded = Receipt.from_dict(old)
    assert loaded.sources == () and loaded.sources_trimmed == 0
    assert loaded.kept_local_for_collections == () and loaded.sources_note is None
