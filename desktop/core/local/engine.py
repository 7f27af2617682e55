"""The on-device tier: a GGUF model run by llama.cpp in an engine process of its own.

``LocalEngine`` is Hearth's handle on that process (as Ollama's runner and LM Studio's worker keep
the model out of the app). A native crash in llama.cpp (SIGILL from an instruction this CPU
lacks, SIGABRT on a vocabulary it cannot handle, SIGSEGV, the out-of-memory killer) ends the
engine process only: the caller gets ``EngineCrashed`` with the reason and the text streamed so
far, and the next request starts a fresh process. A file that crashes the engine twice while
loading or before its first answer token is refused (remembered per file fingerprint).

Streaming, stop (a byte both processes map, read by llama.cpp's abort callback), KV-cache reuse
across turns (the engine process keeps its state), timings, perf counters and confidence work as
they would in-process: the engine runs ``LlamaSession`` (_session.py) and sends its results back.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.errors import ConfigError, ContextOverflowError, KnownError, ModelLoadError
from desktop.core.local import _model_checks as checks
from desktop.core.local import _protocol as wire
from desktop.core.local._crash import EngineBug, EngineCrashed
from desktop.core.local._native_options import conflict, repack_weights
from desktop.core.local._process import EngineProcess
from desktop.core.local._values import EngineConfig, FinishReason, LocalAnswer, ModelInfo
from desktop.core.local.gguf_file import inspect_gguf
from desktop.core.local.probe import ensure_loadable, refusal

__all__ = ["EngineBug", "EngineConfig", "EngineCrashed", "FinishReason", "LocalAnswer",
           "LocalEngine", "ModelInfo"]

_LOG = logging.getLogger("hearth.engine")
TextSink = Callable[[str], None]
ProgressSink = Callable[[int, int], None]


class LocalEngine:
    """A model loaded in an engine process. One thread drives it; ``StopSignal.set`` may come
    from any thread and reaches the engine at once."""

    def __init__(self, config: EngineConfig, key: str) -> None:
        self.config = config
        self._key = key
        self._process: EngineProcess | None = None
        self._answered = False  # this process has produced an answer (crashes are not the file's)
        self._info: ModelInfo | None = None

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, config: EngineConfig) -> LocalEngine:
        """Check the file, trial-run it once, then load it in a new engine process."""
        started = time.perf_counter()
        problem = conflict(flash_attention=config.flash_attention,
                           kv_cache_type=config.kv_cache_type)
        if problem is not None:
            raise ConfigError(problem)
        inspect_gguf(config.model_path)
        ensure_loadable(config.model_path, threads=config.resolved_threads,
                        repack=repack_weights(config.repack))
        engine = cls(config, checks.fingerprint(config.model_path))
        engine._start(started)
        return engine

    @property
    def info(self) -> ModelInfo:
        assert self._info is not None, "LocalEngine.load sets it"
        return self._info

    @property
    def alive(self) -> bool:
        """Whether the engine process runs (False after a crash, until ``restart``)."""
        return self._process is not None and self._process.alive

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def restart(self) -> None:
        """Start a fresh engine process with the same model (after a crash)."""
        self.close()
        self._start(time.perf_counter())

    def _start(self, started: float) -> None:
        path = self.config.model_path
        record = checks.record(self._key)
        if record.refused:
            raise ModelLoadError(path, refusal(record))
        try:
            process = EngineProcess()
        except OSError as exc:
            raise ModelLoadError(path, f"could not start the engine process ({exc})") from exc
        self._process, self._answered = process, False
        event = process.receive()
        ready = isinstance(event, wire.Ready)
        if ready and process.send(wire.Load(self.config)):
            event = process.receive()
        if isinstance(event, wire.Loaded):
            self._info = dataclasses.replace(event.info, load_s=time.perf_counter() - started)
            return
        self._process = None
        if isinstance(event, wire.Failed):
            process.close()
            if event.kind == "bug":
                raise EngineBug(event.message)
            raise ModelLoadError(path, event.message)
        crash = process.crash()
        process.kill()
        if not ready:  # it died importing llama.cpp: not this file's fault
            raise ModelLoadError(path, f"the engine process could not start ({crash.reason})")
        record = checks.note_crash(self._key, crash.reason)
        tail = ("; Hearth will not load it again until the file changes" if record.refused
                else "")
        raise ModelLoadError(path, f"llama.cpp crashed while loading it ({crash.reason}){tail}")

    def forget(self) -> None:
        """Drop the KV cache: the next answer evaluates its whole prompt (a cold start)."""
        self._request(wire.Forget(), "while clearing its cache")

    def close(self) -> None:
        """End the engine process, freeing the model and its context now."""
        if self._process is not None:
            self._process.close()
            self._process = None

    # -- generation ------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        event = self._request(wire.CountTokens(text), "while counting tokens")
        assert isinstance(event, wire.Counted)
        return event.tokens

    def chat(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_text: TextSink,
        stop: StopSignal | None = None,
        on_prompt_progress: ProgressSink | None = None,
        measure_confidence: bool = False,
        continue_text: str = "",
    ) -> LocalAnswer:
        """Answer the conversation ``messages`` (its last message is the question).

        ``continue_text``, an answer cut short, is put after the assistant's turn opener, so the
        model writes on from it; the answer returned holds only the new text.

        Text reaches ``on_text`` as it is generated; ``stop`` ends the answer at the next token,
        or inside the prompt evaluation, keeping what was produced and the model usable.
        ``measure_confidence`` reads each chosen token's probability (a little slower).
        Raises ``EngineCrashed`` (with the text so far) when the engine process dies.
        """
        started = time.perf_counter()
        process = self._running()
        stop = stop if stop is not None else StopSignal()
        flag = process.stop_flag
        flag.clear()
        unsubscribe = stop.subscribe(flag.set)
        pieces: list[str] = []
        in_flight = False
        try:
            request = wire.Chat(tuple(messages), params, measure_confidence,
                                on_prompt_progress is not None, self.config.prompt_lookup,
                                continue_text)
            if not process.send(request):
                raise self._crashed("while answering", "")
            in_flight = True
            outcome = self._stream(process, pieces, on_text, on_prompt_progress)
            in_flight = False
        except BaseException:
            if in_flight and self._process is process:
                self._abandon()  # left mid-answer: the engine's state no longer matches ours
            raise
        finally:
            unsubscribe()
        if isinstance(outcome, wire.Failed):
            raise _failure(outcome, self.config.model_path)
        self._note_answer()
        return dataclasses.replace(outcome, duration_s=time.perf_counter() - started)

    def _stream(self, process: EngineProcess, pieces: list[str], on_text: TextSink,
                on_progress: ProgressSink | None) -> LocalAnswer | wire.Failed:
        """Pass on the events of one answer until it ends (or the engine dies)."""
        while True:
            event = process.receive()
            if isinstance(event, wire.Text):
                for piece in event.pieces:
                    pieces.append(piece)
                    on_text(piece)
            elif isinstance(event, wire.Progress):
                if on_progress is not None:
                    on_progress(event.done, event.total)
            elif isinstance(event, wire.Answered):
                return event.answer
            elif isinstance(event, wire.Failed):
                return event
            else:
                raise self._crashed("while answering", "".join(pieces))

    def _request(self, request: wire.Request, during: str) -> wire.Event:
        process = self._running()
        event = process.receive() if process.send(request) else None
        if isinstance(event, wire.Failed):
            raise _failure(event, self.config.model_path)
        if event is None:
            raise self._crashed(during, "")
        return event

    def _running(self) -> EngineProcess:
        if self._process is not None and not self._process.alive:
            # Died between requests (the out-of-memory killer, say): nothing was lost.
            _LOG.warning("the engine process ended while idle (%s); starting a new one",
                         self._process.crash().reason)
        if self._process is None or not self._process.alive:
            self.restart()
        assert self._process is not None
        return self._process

    def _crashed(self, during: str, partial_text: str) -> EngineCrashed:
        """The engine died: record why (it counts against the file before a first answer)."""
        process = self._process
        assert process is not None
        crash = process.crash()
        process.kill()
        self._process = None
        refused = False
        if not self._answered:
            refused = checks.note_crash(self._key, crash.reason).refused
        return EngineCrashed(self.config.model_path, crash, during=during,
                             partial_text=partial_text, refused=refused)

    def _note_answer(self) -> None:
        if not self._answered:
            self._answered = True
            checks.clear_crashes(self._key)

    def _abandon(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None


def _failure(event: wire.Failed, path: Path) -> Exception:
    if event.kind == "context":
        return ContextOverflowError(event.message)
    if event.kind == "load":
        return ModelLoadError(path, event.message)
    if event.kind == "bug":
        return EngineBug(event.message)
    return KnownError(event.message)
