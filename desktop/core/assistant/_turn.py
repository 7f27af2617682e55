"""One turn: save the question, route it, stream the answer while saving it, write the receipt.

    question ─► Router (privacy gate, rules, difficulty) ─► local engine | cloud tier ─► receipt
                                                              │ failure
                                                              └─► local engine (fallback)
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from desktop.core.accounting.budget import current_budget
from desktop.core.accounting.power import RaplMeter
from desktop.core.accounting.prices import PriceTable
from desktop.core.assistant._continue import continue_answer as _continue_answer
from desktop.core.assistant._documents import DocumentContext, DocumentReader
from desktop.core.assistant._outbound import (
    Outbound,
    ask_consent,
    payload_spans,
    prepare_outbound,
)
from desktop.core.assistant._outlook import Outlook, configured_tiers, outlook_for
from desktop.core.assistant._receipts import (
    Accounting,
    cloud_receipt,
    failed_cloud_receipt,
    local_receipt,
)
from desktop.core.assistant._saver import PartialSaver
from desktop.core.assistant._turn_types import (
    Attempt,
    RoutePreview,
    Turn,
    TurnOptions,
    TurnResult,
    options_from,
)
from desktop.core.audit import AuditLog
from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.cloud import CloudError, CloudProvider, KeyStore, build_provider
from desktop.core.errors import KnownError
from desktop.core.local.engine import LocalAnswer
from desktop.core.local.slot import ModelSlot
from desktop.core.routing import (
    CloudTier,
    RouteContext,
    RouteDecision,
    Router,
    TierChoice,
    redact,
    restore,
)
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore, Message

if TYPE_CHECKING:
    from desktop.core.documents import Library

# The turn's values live in _turn_types; importers of this module get them from here too.
__all__ = ["Assistant", "Attempt", "RoutePreview", "TurnOptions", "TurnResult"]

_TITLE_LENGTH = 60

ProviderFactory = Callable[[CloudTier], CloudProvider]


class Assistant:
    """Runs turns against the store, the router and the tiers; shared by the window and CLI."""

    def __init__(self, store: ConversationStore, settings: Settings, models: ModelSlot, *,
                 keys: KeyStore | None = None, audit: AuditLog | None = None,
                 prices: PriceTable | None = None,
                 providers: ProviderFactory | None = None,
                 documents: Callable[[], Library] | None = None) -> None:
        self.store = store
        self.settings = settings
        self.models = models
        self.keys = keys or KeyStore()
        self.audit = audit or AuditLog()
        self._accounting = Accounting(settings, prices or PriceTable.load())
        self._providers = providers or (lambda tier: build_provider(tier, settings, self.keys))
        self.router = Router(settings, self._readiness)
        self.documents = DocumentReader(settings, models, documents)
        self._meter = RaplMeter()

    # -- public turns --------------------------------------------------------------------------

    def ask(self, prompt: str, *, conversation_id: int | None = None,
            on_saved: Callable[[int, int], None] | None = None,
            options: TurnOptions | None = None, **shortcuts: object) -> TurnResult:
        """Ask ``prompt`` in a conversation (a new one when ``conversation_id`` is None).

        The question is saved before anything can fail, so it is never lost; ``on_saved`` hears
        ``(conversation_id, user_message_id)`` as soon as it is. ``shortcuts`` are TurnOptions
        fields given directly (``tier="local"``, ``on_text=print`` …). A new conversation with
        ``lock_local`` is locked before the question is routed.
        """
        options = options_from(options, shortcuts)
        if conversation_id is None:
            conversation_id = self.store.create_conversation(
                self.title_for(prompt), collections=options.collections or ()).id
            if options.lock_local:
                self.store.set_locked_local(conversation_id, True)
        history = self.store.messages(conversation_id)
        user = self.store.add_message(conversation_id, "user", prompt)
        if on_saved is not None:
            on_saved(conversation_id, user.id)
        return self._turn(conversation_id, user, [*history, user], options)

    def regenerate(self, conversation_id: int, *, options: TurnOptions | None = None,
                   **shortcuts: object) -> TurnResult:
        """Answer the last question again as a new version; the earlier answers are kept as
        versions beside it (``ConversationStore.thread``)."""
        history, last_user, _ = self._split_at_last_question(conversation_id)
        return self._turn(conversation_id, last_user, history, options_from(options, shortcuts),
                          reply_parent=last_user.id)

    def edit_and_resend(self, message_id: int, text: str, *, options: TurnOptions | None = None,
                        on_saved: Callable[[int, int], None] | None = None,
                        **shortcuts: object) -> TurnResult:
        """Ask ``text`` in place of question ``message_id``: the conversation forks there, and
        the original question with everything after it stays as the other version."""
        question = self.store.message(message_id)
        if question.role != "user":
            raise KnownError("only a question can be edited and sent again")
        thread = self.store.messages(question.conversation_id)
        ids = [m.id for m in thread]
        if message_id not in ids:
            raise KnownError("that question is not in the version of the conversation shown")
        history = thread[:ids.index(message_id)]
        user = self.store.add_message(question.conversation_id, "user", text,
                                      parent_id=question.parent_id)
        if on_saved is not None:
            on_saved(question.conversation_id, user.id)
        return self._turn(question.conversation_id, user, [*history, user],
                          options_from(options, shortcuts))

    def ask_again(self, conversation_id: int, tier: TierChoice, *,
                  options: TurnOptions | None = None, **shortcuts: object) -> TurnResult:
        """Answer the last question again on ``tier``, after the answers already given."""
        history, last_user, _ = self._split_at_last_question(conversation_id)
        shortcuts["tier"] = tier
        return self._turn(conversation_id, last_user, history, options_from(options, shortcuts))

    def continue_answer(self, message_id: int, *, options: TurnOptions | None = None,
                        **shortcuts: object) -> TurnResult:
        """Write more of answer ``message_id``, which stopped at its token limit, into the same
        message; its receipt adds up both runs (``desktop.core.assistant._continue``)."""
        return _continue_answer(self, message_id, options_from(options, shortcuts))

    def route(self, prompt: str, *, conversation_id: int | None = None,
              tier: TierChoice = "auto",
              collections: Sequence[str] | None = None) -> RoutePreview:
        """Decide where ``prompt`` would go and show what would leave; sends and saves nothing.
        ``collections``: the documents it would draw on (None: the conversation's choice)."""
        history = self.store.messages(conversation_id) if conversation_id is not None else []
        conversation = (self.store.conversation(conversation_id)
                        if conversation_id is not None else None)
        locked = conversation.locked_local if conversation is not None else False
        question = [*self._chat_messages(history), ChatMessage("user", prompt)]
        stored = collections is None  # the conversation's choice, which may name a removed one
        if collections is None:
            collections = conversation.collections if conversation is not None else ()
        documents = self.documents.context_for(
            collections, prompt, question, model_path=None, load_engine=False,
            max_tokens=self.settings.get_int("local.max_tokens"), missing_ok=stored)
        decision, question = self._decide(prompt, question, documents, tier, locked)
        sources = documents.sources() if documents is not None else ()
        if decision.tier == "local":
            return RoutePreview(decision, None, None, sources=sources)
        outbound = self._outbound(question, decision)
        host = self._host_for(decision.tier)
        return RoutePreview(decision, outbound.preview(), host,
                            payload_spans(outbound, self.router.scan), sources)

    # -- one turn --------------------------------------------------------------------------

    def _turn(self, conversation_id: int, user: Message, history: list[Message],
              options: TurnOptions, *, reply_parent: int | None = None) -> TurnResult:
        """Route and answer ``user``; the first reply follows ``reply_parent`` (a new version
        beside that message's other children) or, by default, the end of the path shown."""
        conversation = self.store.conversation(conversation_id)
        messages = self._chat_messages(history, options.system_prompt)
        documents = self.documents.context_for(
            conversation.collections if options.collections is None else options.collections,
            user.content, messages, model_path=options.model_path,
            max_tokens=options.max_tokens or self.settings.get_int("local.max_tokens"),
            missing_ok=options.collections is None)
        decision, messages = self._decide(user.content, messages, documents, options.tier,
                                          conversation.locked_local)
        if options.on_route is not None:
            options.on_route(decision)
        turn = Turn(conversation_id, user, messages, options, reply_parent, documents)
        fallback: _Fallback | None = None
        if decision.tier != "local":
            outcome = self._cloud_turn(turn, decision)
            if isinstance(outcome, TurnResult):
                return outcome
            fallback = outcome
        return self._local_turn(turn, decision, fallback)

    def _decide(self, prompt: str, messages: list[ChatMessage],
                documents: DocumentContext | None, tier: TierChoice, locked: bool
                ) -> tuple[RouteDecision, list[ChatMessage]]:
        """Route ``prompt`` (the last of ``messages``) given ``documents``' passages, and the
        messages to answer from: the passages put before the question."""
        # The router reads the passages with the rest of what may leave, before the question.
        routed = messages[:-1] if documents is None else documents.routed_history(messages)
        decision = self.router.decide(prompt, routed, self._context(tier, locked, documents))
        return decision, messages if documents is None else documents.apply(messages)

    def _local_turn(self, turn: Turn, decision: RouteDecision, fallback: _Fallback | None
                    ) -> TurnResult:
        options = turn.options
        engine = self.models.engine(options.model_path)
        if turn.documents is not None:  # an estimated fit is checked with the real tokenizer
            turn.refit(engine, options.max_tokens or self.settings.get_int("local.max_tokens"))
        cascade_mode = self.settings.get_str("routing.cascade") if decision.cascade else "off"
        reply = self.store.add_message(turn.conversation_id, "assistant", "",
                                       status="streaming", parent_id=turn.next_parent())
        saver = PartialSaver(self.store, reply.id, options.on_text)
        if options.on_attempt is not None:
            options.on_attempt(Attempt("local", "on-device", reply.id,
                                       fallback.reason if fallback else None))
        try:
            with self._meter.measure() as energy:
                answer = engine.chat(turn.messages, self._params(options),
                                     on_text=saver.add, stop=options.stop,
                                     on_prompt_progress=options.on_prompt_progress,
                                     measure_confidence=cascade_mode != "off")
        except BaseException:
            saver.finish(status="failed")  # keep what was streamed, whatever went wrong
            raise
        unsure = self._unsure(answer) if cascade_mode != "off" else None
        offer = decision.escalate_to if unsure and cascade_mode == "offer" else None
        receipt = local_receipt(self._accounting, engine.info, answer, decision,
                                fallback=fallback.reason if fallback else None,
                                fallback_from=fallback.message_id if fallback else None,
                                question_id=turn.user.id, joules=energy.joules,
                                escalation_offer=offer)
        receipt = turn.stamp(receipt)
        status = "stopped" if answer.finish_reason == "cancelled" else "complete"
        self.store.update_message(reply.id, content=answer.text, status=status, receipt=receipt)
        result = TurnResult(turn.conversation_id, turn.user.id, reply.id, answer.text, receipt)
        if unsure and cascade_mode == "auto" and decision.escalate_to and status == "complete" \
                and not (options.single_attempt and answer.text):
            escalated = dataclasses.replace(
                decision, tier=decision.escalate_to, cascade=False, escalate_to=None,
                code="unsure_answer",
                reason=f"the local answer looked unsure ({unsure}); asked the "
                       f"{decision.escalate_to} tier as well",
            )
            outcome = self._cloud_turn(turn, escalated)
            if isinstance(outcome, TurnResult):
                return outcome
        return result

    def _cloud_turn(self, turn: Turn, decision: RouteDecision) -> TurnResult | _Fallback:
        """Answer on a cloud tier; on failure say why, and which failed attempt (if any bytes
        left) the local answer replaces."""
        tier = cast(CloudTier, decision.tier)
        options = turn.options
        try:
            provider = self._providers(tier)
        except CloudError as exc:
            return _Fallback(exc.reason)
        with closing(provider):
            outbound = self._outbound(turn.messages, decision)
            payload = outbound.preview()
            if decision.ask_consent or self.settings.get_bool("privacy.preview_before_sending"):
                if options.consent is None:
                    return _Fallback("sending needs your consent and no one could be asked")
                chosen = ask_consent(outbound, turn.messages, decision, host=provider.host,
                                     scan=self.router.scan, consent=options.consent)
                if chosen is None:
                    return _Fallback("you chose not to send it")
                outbound, payload = chosen, chosen.preview()
            params = self._params(options)
            body = provider.request_body(list(outbound.messages), params)
            sent = _Sent(payload=payload, body_sha256=hashlib.sha256(body).hexdigest())

            def audited(request_body: bytes) -> None:
                # One record per HTTP request (retries too), hashing the very bytes sent.
                self.audit.record_outbound(host=provider.host, payload=request_body,
                                           finding_classes=decision.classes,
                                           decision=decision.reason, tier=tier,
                                           collections=turn.sent_collections)

            reply = self.store.add_message(turn.conversation_id, "assistant", "",
                                           status="streaming", parent_id=turn.next_parent())
            restorer = outbound.restorer()
            saver = PartialSaver(self.store, reply.id, options.on_text)
            if options.on_attempt is not None:
                options.on_attempt(Attempt(tier, "redacted" if outbound.redacted else "sent",
                                           reply.id))
            try:
                answer = provider.chat(list(outbound.messages), params,
                                       on_text=lambda text: saver.add(restorer.feed(text)),
                                       stop=options.stop, on_request=audited)
            except CloudError as exc:
                saver.add(restorer.flush())
                fallback = self._failed_attempt(turn, decision, outbound, saver, exc, sent)
                if options.single_attempt and saver.text:
                    raise
                return fallback
            except BaseException:
                saver.finish(status="failed")
                raise
            saver.add(restorer.flush())
        text = restore(answer.text, outbound.mapping)
        receipt = cloud_receipt(self._accounting, tier, answer, decision, payload=sent.payload,
                                body_sha256=sent.body_sha256, redacted=outbound.redacted,
                                question_id=turn.user.id, redacted_parts=outbound.changed_parts)
        receipt = turn.stamp(receipt)
        status = "stopped" if answer.finish_reason == "cancelled" else "complete"
        self.store.update_message(reply.id, content=text, status=status, receipt=receipt)
        return TurnResult(turn.conversation_id, turn.user.id, reply.id, text, receipt)

    def _failed_attempt(self, turn: Turn, decision: RouteDecision, outbound: Outbound,
                        saver: PartialSaver, exc: CloudError, sent: _Sent) -> _Fallback:
        """A cloud attempt broke off. If bytes left the device it stays on the record: the
        message (with any text already shown) is kept, failed, with a receipt of what was sent;
        otherwise it is removed, and only the fallback's reason tells of it."""
        if not exc.bytes_sent:
            if saver.text:
                saver.finish(status="failed")
            else:
                self.store.delete_messages_from(saver.message_id)
            return _Fallback(exc.reason)
        receipt = failed_cloud_receipt(
            self._accounting, cast(CloudTier, decision.tier), exc, decision,
            payload=sent.payload, body_sha256=sent.body_sha256,
            redacted=outbound.redacted, question_id=turn.user.id,
            redacted_parts=outbound.changed_parts)
        receipt = turn.stamp(receipt)
        self.store.update_message(saver.message_id, content=saver.text, status="failed",
                                  receipt=receipt)
        return _Fallback(exc.reason, saver.message_id)

    def title_for(self, prompt: str) -> str:
        """The title a new conversation gets from its first question: the question with each
        sensitive value the privacy gate finds replaced by its class placeholder (a title is
        shown in the window's title bar, the task bar and screen shares)."""
        [findings] = self.router.scan([prompt])
        return _title_for(redact(prompt, findings).text)

    def outlook(self, *, locked: bool) -> Outlook:
        """Whether the next question of a conversation (``locked`` to this device or not) may
        leave it, and if not why: the router's first rules, read from the settings only."""
        return outlook_for(self.settings, self.router.policy, locked=locked,
                           tiers=configured_tiers(self.settings))

    def offered_tiers(self, *, locked: bool) -> tuple[CloudTier, ...]:
        """The cloud tiers a front end may offer for "ask again": those of the outlook, so none
        while offline, with escalation off or in a conversation locked to this device."""
        return self.outlook(locked=locked).tiers

    # -- helpers -----------------------------------------------------------------------------

    def _context(self, tier: TierChoice, locked: bool,
                 documents: DocumentContext | None = None) -> RouteContext:
        limit = self.settings.get_float("accounting.monthly_budget_usd")
        exhausted = limit > 0 and current_budget(self.store, limit).keeps_local
        return RouteContext(requested=tier, locked_local=locked,
                            offline=self.settings.get_bool("network.offline"),
                            budget_exhausted=exhausted,
                            device_collections=documents.device_collections if documents
                            else ())

    def _readiness(self, tier: CloudTier) -> str | None:
        """None when ``tier`` is configured (no network is touched to find out)."""
        try:
            self._providers(tier).close()
        except CloudError as exc:
            return exc.reason  # plain words; the message's remedy is a command for the CLI
        return None

    def _host_for(self, tier: CloudTier) -> str | None:
        try:
            provider = self._providers(tier)
        except CloudError:
            return None
        with closing(provider):
            return provider.host

    def _outbound(self, messages: Sequence[ChatMessage], decision: RouteDecision) -> Outbound:
        redact_kinds = frozenset(c for c in decision.classes
                                 if self.router.policy(c) == "redact")
        return prepare_outbound(messages, redact_kinds=redact_kinds, scan=self.router.scan)

    def _unsure(self, answer: LocalAnswer) -> str | None:
        """Why the answer looks unsure, or None when it does not (or was not measured)."""
        confidence = answer.confidence
        if confidence is None or answer.finish_reason == "cancelled":
            return None
        probability = math.exp(confidence.mean_logprob)
        threshold = self.settings.get_float("routing.min_token_probability")
        if probability < threshold:
            return (f"the model was {probability:.0%} sure of its words on average, below "
                    f"your {threshold:.0%}")
        return None

    def _split_at_last_question(self, conversation_id: int
                                ) -> tuple[list[Message], Message, list[Message]]:
        """The messages up to the last question, that question, and the answers after it."""
        history = self.store.messages(conversation_id)
        last_user = next((m for m in reversed(history) if m.role == "user"), None)
        if last_user is None:
            raise KnownError("this conversation has no question to answer again")
        cut = history.index(last_user) + 1
        return history[:cut], last_user, history[cut:]

    def _chat_messages(self, history: Sequence[Message],
                       system_prompt: str | None = None) -> list[ChatMessage]:
        system = (self.settings.get_str("chat.system_prompt") if system_prompt is None
                  else system_prompt).strip()
        messages = [ChatMessage("system", system)] if system else []
        for message in history:
            if message.role == "system" or (message.role == "assistant" and not message.content):
                continue
            if message.role == "assistant" and message.status == "failed":
                continue  # a broken-off cloud answer is shown to the user, not fed back
            messages.append(ChatMessage(message.role, message.content))  # type: ignore[arg-type]
        return messages

    def _params(self, options: TurnOptions) -> GenerationParams:
        return GenerationParams(
            max_tokens=options.max_tokens or self.settings.get_int("local.max_tokens"),
            temperature=(options.temperature if options.temperature is not None
                         else self.settings.get_float("local.temperature")),
            seed=options.seed if options.seed is not None else self.settings.get_int("local.seed"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Sent:
    """What a cloud attempt sends: the messages as shown, and the SHA-256 of each request's
    exact body (the audit log records the same hash)."""

    payload: str
    body_sha256: str


@dataclass(frozen=True, slots=True)
class _Fallback:
    """Why a cloud attempt gave no answer, and the failed attempt's message if one was kept."""

    reason: str
    message_id: int | None = None


def _title_for(prompt: str) -> str:
    line = " ".join(prompt.split())
    return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1].rstrip() + "…"
