"""The conversation on screen and the answer being written into it.

``ChatSession`` drives the chat view and the composer: it shows a conversation, turns the
composer's intents (send, stop, regenerate, edit, ask again on a cloud tier, lock the chat to
this device) into jobs for the inference worker, and follows the worker's reports of the
answer, including its questions: when a payload needs the user's consent, the worker waits
while the session shows it. The window around it handles the sidebar, the model and the other
dialogs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop.core.assistant import Outlook, RouteDecision, TurnResult
from desktop.core.conversations import Conversation, Conversations, Message
from desktop.core.errors import KnownError
from desktop.core.receipt import Receipt
from desktop.ui.chat_entry import ChatEntry
from desktop.ui.chat_view import ChatView
from desktop.ui.composer import Composer, ComposerState
from desktop.ui.consent import ConsentDialog, choice_for
from desktop.ui.jobs import JobRunner
from desktop.ui.status_bar import HearthStatusBar
from desktop.ui.wording import outlook_empty_state, tier_label
from desktop.ui.worker import InferenceThread, PendingConsent, TurnRequest


@dataclass(slots=True)
class _Turn:
    """The answer being written: where it goes, and what has streamed so far."""

    conversation_id: int | None
    prompt: str | None
    text: str = ""
    saved: bool = False
    followed: bool = True  # False once the user leaves the new chat before it is saved


class ChatSession(QObject):
    """Shows one conversation and runs its turns, one at a time.

    Signals:
        conversation_saved(int): the new chat on screen got its id (its first question was
            saved).
        answer_finished(int): an answer was completed (or stopped) and saved, in this
            conversation.
        answer_failed(str): an answer ended with this problem (empty: nothing to tell, or a
            bug reported apart).
        problem(str): a known problem the window should show.
        fell_back(str): an answer was computed on this device instead of a cloud tier: why.
        lock_changed(bool): whether the conversation shown is locked to this device.
        consent_opened(object): the ``ConsentDialog`` now asking the user.
        state_changed(): whether an answer is running, or what is shown, changed.
    """

    conversation_saved = Signal(int)
    answer_finished = Signal(int)
    answer_failed = Signal(str)
    problem = Signal(str)
    fell_back = Signal(str)
    lock_changed = Signal(bool)
    consent_opened = Signal(object)
    state_changed = Signal()

    def __init__(self, chats: Conversations, inference: InferenceThread, chat: ChatView,
                 composer: Composer, status: HearthStatusBar,
                 parent: QObject | None = None, *,
                 outlook: Callable[[bool], Outlook]) -> None:
        super().__init__(parent)
        # The core's rule: where the next question of a chat (locked or not) may go, and so
        # which cloud tiers "ask again" offers. Read once per refresh, kept in _next.
        self._outlook = outlook
        self._next = outlook(False)
        self._chats = chats
        self._inference = inference
        self.chat = chat
        self.composer = composer
        self._status = status
        self._conversation_id: int | None = None
        self._turn: _Turn | None = None
        self._edit_target: tuple[int, int] | None = None  # (entry index, message id)
        self._model_state = "none"
        self._cloud_allowed = False
        self._locked = False  # the conversation shown (or the new chat) stays on this device
        # The document collections a new chat's first question draws on (then stored with it).
        self.new_chat_collections: tuple[str, ...] = ()
        self._consent: tuple[PendingConsent, ConsentDialog] | None = None
        # Changes to conversations (lock, version, rename, delete) are written on this one
        # thread, in order: another process (the CLI, the local server) may hold SQLite's
        # write lock for a while, and the GUI thread must not wait for it.
        self.writes = JobRunner(self, threads=1)
        self._writes_pending = 0  # of the lock and version: a turn waits until they land
        worker = inference.worker
        worker.turn_saved.connect(self._on_turn_saved)
        worker.routed.connect(self._on_routed)
        worker.consent_needed.connect(self._on_consent_needed)
        worker.prompt_progress.connect(self._on_prompt_progress)
        worker.text_arrived.connect(self._on_text)
        worker.turn_finished.connect(self._on_turn_finished)
        worker.turn_failed.connect(self._on_turn_failed)
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop)
        composer.regenerate_requested.connect(self.regenerate)
        composer.edit_requested.connect(self.edit_last_question)
        composer.edit_cancelled.connect(self.cancel_edit)
        composer.lock_toggled.connect(self.set_locked)
        chat.ask_again_requested.connect(self.ask_again)
        chat.continue_requested.connect(self.continue_answer)
        chat.version_requested.connect(self.show_version)

    # -- state -----------------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        """The conversation shown (None: a new chat, created by its first question)."""
        return self._conversation_id

    @property
    def answering(self) -> bool:
        return self._turn is not None

    @property
    def answering_in(self) -> int | None:
        """The conversation an answer is being written into, once it has an id."""
        return self._turn.conversation_id if self._turn is not None else None

    @property
    def locked(self) -> bool:
        """Whether the conversation shown (or the new chat) is kept on this device."""
        return self._locked

    @property
    def consent_dialog(self) -> ConsentDialog | None:
        return self._consent[1] if self._consent is not None else None

    def set_model_state(self, state: str) -> None:
        """``ready``, ``loading``, ``none`` or ``failed``: what the composer may offer."""
        self._model_state = state
        self._refresh()

    def set_cloud_allowed(self, allowed: bool) -> None:
        """Whether questions may leave at all (escalation on, offline mode off)."""
        self._cloud_allowed = allowed
        self._refresh()

    @property
    def cloud_allowed(self) -> bool:
        return self._cloud_allowed

    def _refresh(self) -> None:
        state = self._model_state
        if self._turn is not None:
            self.composer.set_state(ComposerState.ANSWERING)
        elif state == "loading":
            self.composer.set_state(ComposerState.LOADING)
        elif state == "ready":
            self.composer.set_state(ComposerState.READY)
        else:
            self.composer.set_state(ComposerState.NO_MODEL)
        has_question = any(e.role == "user" for e in self.chat.entries)
        self.composer.set_last_turn_available(has_question and self._conversation_id is not None)
        self.composer.set_cloud_options(shown=self._cloud_allowed, locked=self._locked)
        outlook = self._next = self._outlook(self._locked)
        # Its tiers are those set up, and none where the question may not leave.
        can_ask_again = (self._cloud_allowed and self._turn is None and state == "ready"
                         and has_question and self._conversation_id is not None)
        self.chat.set_ask_again_tiers(outlook.tiers if can_ask_again else ())
        self._status.show_outlook(outlook)
        self.chat.set_empty_text(outlook_empty_state(outlook))
        self.state_changed.emit()

    @property
    def outlook(self) -> Outlook:
        """What will happen to the next question of the chat shown (as of the last change
        of the settings, the lock or the chat shown)."""
        return self._next

    def _shows_turn(self) -> bool:
        turn = self._turn
        if turn is None or turn.conversation_id != self._conversation_id:
            return False
        return turn.conversation_id is not None or turn.followed

    # -- what is shown ---------------------------------------------------------------------

    def show_new_chat(self) -> None:
        self._leave_unsaved_turn()
        self.cancel_edit()
        self._conversation_id = None
        self.chat.clear_messages()
        self._status.show_receipt(None)
        self._set_locked_shown(False)
        self._refresh()

    def show_conversation(self, conversation_id: int) -> Conversation:
        """Show a conversation, with the answer being written into it if there is one; the
        conversation as read (its title, for the window).

        Raises ``KnownError`` (``NotFoundError`` for one deleted meanwhile).
        """
        thread = self._chats.thread(conversation_id)
        conversation = self._chats.get(conversation_id)
        locked = conversation.locked_local
        self._leave_unsaved_turn()
        self.cancel_edit()
        self._conversation_id = conversation_id
        self._set_locked_shown(locked)
        live = self._turn.text if self._turn is not None and self._shows_turn() else None
        self.chat.show_messages(thread.messages, live_text=live, versions=thread.versions)
        self._status.show_receipt(last_receipt(thread.messages))
        self._refresh()
        return conversation

    @Slot(int)
    def show_version(self, message_id: int) -> None:
        """Show another version of a message (and the branch that follows it)."""
        if self._busy() or self._conversation_id is None:
            return
        conversation_id = self._conversation_id

        def chosen(_thread: object) -> None:
            self._write_landed()
            if conversation_id == self._conversation_id and self._turn is None:
                self._show_again(conversation_id)

        def failed(message: str) -> None:
            self._write_landed()
            if message:  # an empty one is a bug, shown as a crash report
                self.problem.emit(f"The other version could not be shown: {message}")

        self._write(partial(self._chats.choose_version, message_id), chosen, failed)

    def _write(self, work: Callable[[], object], done: Callable[[object], object],
               failed: Callable[[str], object]) -> None:
        """A change to the conversation on screen, on the writes thread; turns wait for it."""
        self._writes_pending += 1
        self.writes.run(work, on_done=done, on_failed=failed, context=self)

    def _write_landed(self) -> None:
        self._writes_pending -= 1

    def _busy(self) -> bool:
        """An answer is being written, or a change to the chat (its lock, the version shown)
        is still being saved, and a question now would be routed on the chat's old state."""
        if self._turn is not None:
            return True
        if self._writes_pending:
            self._status.showMessage("Saving the change to this chat first; send again in a "
                                     "moment.", 4000)
            return True
        return False

    def _leave_unsaved_turn(self) -> None:
        """The view moves away from an answer whose new chat has no id yet: stop following it."""
        if self._turn is not None and self._turn.conversation_id is None:
            self._turn.followed = False

    # -- intents ---------------------------------------------------------------------------

    @Slot(str)
    def send(self, text: str) -> None:
        """Ask ``text`` in the conversation shown (while editing: instead of the last question)."""
        text = text.strip()
        if not text or self._model_state != "ready" or self._busy():
            return
        replace_from: int | None = None
        if self._edit_target is not None:
            index, replace_from = self._edit_target
            self._edit_target = None
            self.composer.end_edit(clear=True)
            self.chat.begin_answer(text, replace_from=index)
        else:
            self.composer.set_text("")
            self.chat.begin_answer(text)
        lock_new = self._locked and self._conversation_id is None
        # A new chat is created with the document collections chosen for it.
        documents = self.new_chat_collections if self._conversation_id is None else None
        self._start(TurnRequest(prompt=text, conversation_id=self._conversation_id,
                                edit_of=replace_from, lock_local=lock_new,
                                collections=documents), prompt=text)

    @Slot(str)
    def ask_again(self, tier: str) -> None:
        """Answer the last question once more on ``tier``, keeping the answers it has."""
        if self._model_state != "ready" or self._conversation_id is None or self._busy():
            return
        if not any(e.role == "user" for e in self.chat.entries):
            return
        self.cancel_edit()
        self.chat.begin_answer(None)
        self._start(TurnRequest(conversation_id=self._conversation_id, again_on=tier),
                    prompt=None)

    @Slot(int)
    def continue_answer(self, message_id: int) -> None:
        """Write more of the last answer, which stopped at its length limit, into it."""
        if self._model_state != "ready" or self._conversation_id is None or self._busy():
            return
        self.cancel_edit()
        if self.chat.resume_answer(message_id):
            self._start(TurnRequest(conversation_id=self._conversation_id,
                                    continue_of=message_id), prompt=None)

    @Slot(bool)
    def set_locked(self, locked: bool) -> None:
        """Keep the conversation shown on this device (a new chat: from its first question)."""
        conversation_id = self._conversation_id
        self._set_locked_shown(locked)
        self._refresh()
        if conversation_id is None:
            return  # a new chat is locked when its first question creates it

        def failed(message: str) -> None:
            self._write_landed()
            if message:  # an empty one is a bug, shown as a crash report
                what = "kept on this device" if locked else "unlocked"
                self.problem.emit(f"The chat could not be {what}: {message}")
            if conversation_id == self._conversation_id:  # back to what the store says
                try:
                    self._set_locked_shown(self._chats.get(conversation_id).locked_local)
                except KnownError:
                    return
                self._refresh()

        self._write(partial(self._chats.set_locked, conversation_id, locked),
                    lambda _none: self._write_landed(), failed)

    def _set_locked_shown(self, locked: bool) -> None:
        if locked != self._locked:
            self._locked = locked
            self.lock_changed.emit(locked)

    @Slot()
    def regenerate(self) -> None:
        if self._model_state != "ready" or self._conversation_id is None or self._busy():
            return
        entries = self.chat.entries
        last_question = max((i for i, e in enumerate(entries) if e.role == "user"), default=None)
        if last_question is None:
            return
        self.cancel_edit()
        self.chat.begin_answer(None, replace_from=last_question + 1)
        self._start(TurnRequest(conversation_id=self._conversation_id, regenerate=True),
                    prompt=None)

    @Slot()
    def edit_last_question(self) -> None:
        if self._turn is not None or self._conversation_id is None:
            return
        entries = self.chat.entries
        for index in range(len(entries) - 1, -1, -1):
            entry = entries[index]
            if entry.role == "user" and entry.message_id is not None:
                self._edit_target = (index, entry.message_id)
                self.composer.begin_edit(entry.text)
                return

    @property
    def editing(self) -> bool:
        return self._edit_target is not None

    @Slot()
    def cancel_edit(self) -> None:
        if self._edit_target is not None:
            self._edit_target = None
            self.composer.end_edit(clear=True)

    @Slot()
    def stop(self) -> None:
        self._inference.stop()

    def _start(self, request: TurnRequest, *, prompt: str | None) -> None:
        saved = request.regenerate or request.again_on is not None \
            or request.continue_of is not None
        self._turn = _Turn(request.conversation_id, prompt, saved=saved)
        self._status.begin_stream()
        self._inference.run_turn(request)
        self._refresh()
        self.composer.show_waiting("Reading the conversation…")

    # -- the worker's reports --------------------------------------------------------------

    @Slot(int, int)
    def _on_turn_saved(self, conversation_id: int, question_id: int) -> None:
        turn = self._turn
        if turn is None:
            return
        turn.saved = True
        if turn.conversation_id is None:
            turn.conversation_id = conversation_id
            if self._conversation_id is None and turn.followed:
                self._conversation_id = conversation_id
                self.conversation_saved.emit(conversation_id)
        if self._shows_turn():
            self.chat.set_question_id(question_id)

    @Slot(object)
    def _on_routed(self, decision: RouteDecision) -> None:
        turn = self._turn
        if turn is None or turn.text or not self._shows_turn():
            return
        self.chat.set_writing_origin(decision.tier)
        if decision.tier != "local":
            self.composer.show_waiting(f"Asking {tier_label(decision.tier)}…")

    @Slot(object)
    def _on_consent_needed(self, pending: PendingConsent) -> None:
        self._close_consent()
        dialog = ConsentDialog(pending.request, self.chat.window(), palette=self.chat.colours)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._on_consent_given(pending, result))
        self._consent = (pending, dialog)
        self.composer.show_waiting("Waiting for you to decide whether to send it…")
        dialog.open()
        self.consent_opened.emit(dialog)

    def _on_consent_given(self, pending: PendingConsent, result: int) -> None:
        pending.answer(choice_for(result))
        if self._consent is not None and self._consent[0] is pending:
            self._consent = None
        if self._turn is not None and not self._turn.text and self._shows_turn():
            self.composer.show_waiting("Sending…" if pending.granted else
                                       "Answering on this device…")

    def _close_consent(self) -> None:
        """The turn ended (or another question came): an open question is answered "no"."""
        if self._consent is not None:
            pending, dialog = self._consent
            self._consent = None
            pending.answer(False)
            dialog.reject()  # its finished() is answered already: nothing more happens

    @Slot(int, int)
    def _on_prompt_progress(self, done: int, total: int) -> None:
        if self._shows_turn() and done < total:
            self.composer.show_progress(done, total)

    @Slot(str, int)
    def _on_text(self, text: str, pieces: int) -> None:
        turn = self._turn
        if turn is None:
            return
        if not turn.text:
            self.composer.hide_progress()
        turn.text += text
        self._status.count_pieces(pieces)
        if self._shows_turn():
            self.chat.append_text(text)

    @Slot(object)
    def _on_turn_finished(self, result: TurnResult) -> None:
        shown = self._shows_turn() or self._conversation_id == result.conversation_id
        self._turn = None
        self._close_consent()
        if shown and result.receipt.fallback_from is not None:
            # A failed cloud attempt was kept beside the answer: show both as stored.
            self._show_again(result.conversation_id)
        elif shown:
            try:
                answer = self._chats.message(result.assistant_message_id)
                question = self._chats.message(result.user_message_id)
                thread = self._chats.thread(result.conversation_id)
            except KnownError as exc:
                self.problem.emit(str(exc))
                self._show_again(result.conversation_id)
            else:
                self.chat.finish_answer(answer, question)
                self.chat.set_versions(thread.versions)
            self._status.show_receipt(result.receipt)
        self._refresh()
        if result.receipt.fallback:
            self.fell_back.emit(result.receipt.fallback)
        self.answer_finished.emit(result.conversation_id)

    @Slot(str)
    def _on_turn_failed(self, message: str) -> None:
        turn = self._turn
        self._turn = None
        self._close_consent()
        if message:
            self.problem.emit(message)
        if turn is not None and self._conversation_id == turn.conversation_id:
            if turn.conversation_id is None:
                self.chat.clear_messages()
            else:
                self._show_again(turn.conversation_id)  # with what was saved of the answer
        if turn is not None and not turn.saved and turn.prompt and not self.composer.text():
            self.composer.set_text(turn.prompt)  # the question never reached the store
        self._refresh()
        self.answer_failed.emit(message)

    def _show_again(self, conversation_id: int) -> None:
        try:
            self.show_conversation(conversation_id)
        except KnownError as exc:
            self.problem.emit(str(exc))


def last_receipt(messages: Iterable[Message | ChatEntry]) -> Receipt | None:
    """The receipt of the last answer that has one (stored messages or those shown)."""
    for message in reversed(list(messages)):
        if message.role == "assistant" and message.receipt is not None:
            return message.receipt
    return None
