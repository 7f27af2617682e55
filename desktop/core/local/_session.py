"""A GGUF model driven by llama.cpp in this process: the engine process runs one of these.

Hearth's own process never runs this directly: ``LocalEngine`` (engine.py) starts a child process
(``runner.py``) that holds a ``LlamaSession``, so a native crash ends the child, not the window.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.errors import ConfigError, ContextOverflowError, KnownError, ModelLoadError
from desktop.core.local import _native_log
from desktop.core.local._abort import native_abort_callback
from desktop.core.local._confidence import ConfidenceMeter
from desktop.core.local._decoder import DecodeClock, TokenDecoder
from desktop.core.local._native_options import (
    conflict,
    native_options,
    read_load_log,
    repack_weights,
)
from desktop.core.local._prompt_lookup import Lookup, PromptLookup, find_ngram_continuation
from desktop.core.local._template import ChatTemplate, StopText
from desktop.core.local._values import EngineConfig, FinishReason, LocalAnswer, ModelInfo
from desktop.core.local.backend import build_info, offload_from_log
from desktop.core.local.gguf_file import inspect_gguf
from desktop.core.local.hardware import detect_hardware, plan_gpu_layers
from desktop.core.settings._schema import AUTO_GPU_LAYERS

TextSink = Callable[[str], None]
ProgressSink = Callable[[int, int], None]

_RANDOM_SEED = 0xFFFFFFFF  # LLAMA_DEFAULT_SEED: llama.cpp draws a fresh seed
_MIN_ANSWER_ROOM = 16  # tokens the answer needs at least after trimming old turns


class StopFlag(Protocol):
    """A stop request native code can read: ``StopSignal`` here, a shared byte in the runner."""

    def is_set(self) -> bool: ...

    @property
    def address(self) -> int: ...


class LlamaSession:
    """A loaded model. One thread owns it: only the stop flag may be set from elsewhere."""

    def __init__(self, llm: Any, config: EngineConfig, info: ModelInfo,
                 template: ChatTemplate) -> None:
        import llama_cpp

        self._llama_cpp = llama_cpp
        self._llm = llm
        self.config = config
        self.info = info
        self._template = template
        self._vocab = llama_cpp.llama_model_get_vocab(llm.model)
        self._recurrent = bool(llama_cpp.llama_model_is_recurrent(llm.model)
                               or llama_cpp.llama_model_is_hybrid(llm.model))
        self._abort_callback = native_abort_callback(llama_cpp.ggml_abort_callback)
        self._idle = StopSignal()
        self._set_abort(self._idle)
        # Text and tokens of the last turn (prompt + answer), to extend exactly next turn.
        self._transcript: tuple[str, list[int]] | None = None

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, config: EngineConfig) -> LlamaSession:
        """Load the model into this process (the caller has trial-loaded it elsewhere)."""
        started = time.perf_counter()
        header = inspect_gguf(config.model_path)
        import llama_cpp

        _native_log.install()
        n_ctx = config.context_size
        if header.context_length:
            n_ctx = min(n_ctx, header.context_length)
        gpu_layers, plan_reason = config.gpu_layers, None
        if gpu_layers == AUTO_GPU_LAYERS:
            plan = plan_gpu_layers(header, detect_hardware(), context_size=n_ctx)
            gpu_layers, plan_reason = plan.layers, plan.reason
        problem = conflict(flash_attention=config.flash_attention,
                           kv_cache_type=config.kv_cache_type)
        if problem is not None:
            raise ConfigError(problem)
        options = native_options(llama_cpp, repack=repack_weights(config.repack),
                                 flash_attention=config.flash_attention,
                                 kv_cache_type=config.kv_cache_type)
        with _native_log.capture() as log, options:
            try:
                llm = llama_cpp.Llama(
                    model_path=str(config.model_path), n_ctx=n_ctx, n_batch=config.batch_size,
                    n_threads=config.resolved_threads, n_threads_batch=config.resolved_threads,
                    n_gpu_layers=gpu_layers, verbose=False,
                )
            except (ValueError, RuntimeError, OSError) as exc:
                text = "".join(log)
                reason = _native_log.last_error(text) or str(exc)
                if "alloc" in text.lower() or "memory" in reason.lower():
                    reason = f"not enough memory for a {n_ctx}-token context ({reason})"
                raise ModelLoadError(config.model_path,
                                     f"llama.cpp could not load it: {reason}") from exc
        build = build_info()
        offload = offload_from_log("".join(log), gpu_layers, build, header.block_count)
        if plan_reason and build.gpu_offload and offload.reason:
            offload = dataclasses.replace(offload, reason=plan_reason)
        report = read_load_log(log)
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        template = ChatTemplate(
            header.chat_template,
            bos_token=_token_text(llama_cpp, vocab, llama_cpp.llama_vocab_bos(vocab)),
            eos_token=_token_text(llama_cpp, vocab, llama_cpp.llama_vocab_eos(vocab)),
        )
        info = ModelInfo(
            path=config.model_path, name=header.name or config.model_path.stem,
            architecture=header.architecture, quantization=header.quantization,
            parameter_count=header.parameter_count, file_size=header.file_size,
            context_size=llm.n_ctx(), trained_context=header.context_length,
            threads=config.resolved_threads, backend=build.backend, gpu_layers=offload.layers,
            gpu_layers_total=offload.total, offload_reason=offload.reason,
            chat_template=template.source, load_s=time.perf_counter() - started,
            mapped_bytes=report.mapped_bytes, repacked_bytes=report.repacked_bytes,
            kv_cache_bytes=report.kv_cache_bytes, kv_cache_type=report.kv_cache_type,
            flash_attention=report.flash_attention,
        )
        return cls(llm, config, info, template)

    def forget(self) -> None:
        """Drop the KV cache: the next answer evaluates its whole prompt (a cold start)."""
        self._llm.reset()
        self._transcript = None

    def close(self) -> None:
        """Free the model and its context now rather than at garbage collection."""
        if self._llm is not None:
            self._llm.close()
            self._llm = None

    # -- generation ------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def chat(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_text: TextSink,
        stop: StopFlag | None = None,
        on_prompt_progress: ProgressSink | None = None,
        measure_confidence: bool = False,
        prompt_lookup: bool | None = None,
        lookup: Lookup = find_ngram_continuation,
        continue_text: str = "",
    ) -> LocalAnswer:
        """Answer the conversation ``messages`` (its last message is the question).

        Text reaches ``on_text`` as it is generated; ``stop`` ends the answer at the next token,
        or inside the prompt evaluation, keeping what was produced and the model usable.
        ``measure_confidence`` reads each chosen token's probability (a little slower).
        ``prompt_lookup`` (default: ``config.prompt_lookup``) drafts tokens with ``lookup``.
        ``continue_text`` (an answer cut short) follows the assistant's turn opener: the model
        writes on from it, and only the new text is returned.
        """
        started = time.perf_counter()
        stop = stop if stop is not None else StopSignal()
        llama_cpp, llm = self._llama_cpp, self._llm
        rendered, tokens, trimmed = self._prompt_tokens(messages, params.max_tokens,
                                                        continue_text)
        llama_cpp.llama_perf_context_reset(llm.ctx)
        self._set_abort(stop)
        reused = 0
        generated: list[int] = []
        pieces: list[str] = []
        ttft: float | None = None
        finish: FinishReason = "stop"
        scores = ConfidenceMeter(llama_cpp, llm) if measure_confidence else None
        if prompt_lookup is None:
            prompt_lookup = self.config.prompt_lookup
        llm.set_seed(params.seed if params.seed >= 0 else _RANDOM_SEED)  # the sampler reads it
        # A recurrent model's state cannot drop a rejected draft: it decodes token by token.
        drafter = PromptLookup(lookup) if prompt_lookup and not self._recurrent else None
        decoder = TokenDecoder(llm, params, drafter)
        clock = DecodeClock()
        prompt_s = 0.0
        try:
            prompt_started = time.perf_counter()
            reused = self._evaluate_prompt(tokens, stop, on_prompt_progress)
            prompt_s = time.perf_counter() - prompt_started
            if stop.is_set():
                finish = "cancelled"
            else:
                finish, ttft = self._generate(tokens, params, stop, rendered.stop, generated,
                                              pieces, on_text, started, scores, decoder, clock)
        finally:
            self._set_abort(self._idle)
            decoder.close()
        text = "".join(pieces).rstrip()
        self._transcript = (rendered.text + text, tokens + generated) if finish != "cancelled" \
            else None
        perf = llama_cpp.llama_perf_context(llm.ctx)
        prompt_rate = _rate(perf.n_p_eval, perf.t_p_eval_ms)
        decode_rate = _rate(perf.n_eval, perf.t_eval_ms)
        if decoder.drafted:
            # llama.cpp counts a draft's batch as prompt work: time both phases here instead.
            prompt_rate = _rate(len(tokens) - reused, 1000 * prompt_s)
            decode_rate = clock.rate()
        return LocalAnswer(
            text=text, finish_reason=finish, tokens_in=len(tokens), tokens_reused=reused,
            tokens_out=len(generated), ttft_s=ttft, prompt_tok_per_s=prompt_rate,
            decode_tok_per_s=decode_rate, duration_s=time.perf_counter() - started,
            trimmed_messages=trimmed,
            confidence=scores.result() if scores is not None else None,
            drafted_tokens=decoder.drafted, accepted_tokens=decoder.accepted,
        )

    def _prompt_tokens(self, messages: Sequence[ChatMessage], max_tokens: int,
                       continue_text: str = "") -> tuple[Any, list[int], int]:
        """Render and tokenize, trimming the oldest turns (never the system prompt) to fit."""
        n_ctx = self.info.context_size
        room = min(max_tokens, n_ctx // 2)
        system = [m for m in messages[:1] if m.role == "system"]
        turns = list(messages[len(system):])
        trimmed = 0
        while True:
            try:
                rendered = self._template.render([*system, *turns])
                if continue_text:  # the answer so far, which the model writes on from
                    rendered = dataclasses.replace(rendered, text=rendered.text + continue_text)
            except ValueError as exc:
                raise KnownError(f"{self.info.path.name}: {exc}") from exc
            tokens = self._tokenize_extending(rendered.text)
            if len(tokens) + room <= n_ctx or len(turns) <= 1:
                break
            turns.pop(0)
            trimmed += 1
            # A turn starts with the user: drop an answer whose question is gone.
            while len(turns) > 1 and turns[0].role != "user":
                turns.pop(0)
                trimmed += 1
        if len(tokens) + _MIN_ANSWER_ROOM > n_ctx:
            raise ContextOverflowError(
                f"the message is {len(tokens)} tokens with the system prompt, more than the "
                f"{n_ctx}-token context leaves room for; shorten it or raise local.context_size"
            )
        return rendered, tokens, trimmed

    def _tokenize_extending(self, text: str) -> list[int]:
        """Tokens for ``text``; when it extends the last turn, keep that turn's exact tokens.

        Re-tokenizing a generated answer rarely gives back the tokens the model produced, and
        every token after the first difference would have to be evaluated again.
        """
        if self._transcript is not None:
            previous_text, previous_tokens = self._transcript
            if text.startswith(previous_text):
                rest = text[len(previous_text):]
                return previous_tokens + self._tokenize(rest, add_bos=False)
        return self._tokenize(text, add_bos=True)

    def _tokenize(self, text: str, *, add_bos: bool) -> list[int]:
        # NUL has no meaning in a prompt, and llama.cpp aborts on it in vocabularies without it.
        clean = text.replace("\x00", "")
        tokens: list[int] = self._llm.tokenize(clean.encode("utf-8"), add_bos=False, special=True)
        llama_cpp = self._llama_cpp
        if add_bos and llama_cpp.llama_vocab_get_add_bos(self._vocab):
            bos = llama_cpp.llama_vocab_bos(self._vocab)
            if not tokens or tokens[0] != bos:
                tokens.insert(0, bos)
        return tokens

    def _evaluate_prompt(self, tokens: list[int], stop: StopFlag,
                         progress: ProgressSink | None) -> int:
        """Evaluate what the KV cache lacks of ``tokens``, a batch at a time; return reused."""
        llm = self._llm
        cached = llm.input_ids[: llm.n_tokens]
        reused = 0
        for have, want in zip(cached, tokens, strict=False):
            if have != want:
                break
            reused += 1
        # Recompute at least the last token: its logits are what the first answer token needs.
        reused = min(reused, len(tokens) - 1)
        if self._recurrent and reused < llm.n_tokens:
            llm.reset()  # recurrent state cannot be rolled back to a prefix
            reused = 0
        llm.n_tokens = reused
        pending = tokens[reused:]
        batch = max(1, self.config.batch_size)
        for start in range(0, len(pending), batch):
            if stop.is_set():
                return reused
            self._decode(functools.partial(llm.eval, pending[start:start + batch]), stop)
            if progress is not None:
                progress(min(start + batch, len(pending)), len(pending))
        return reused

    def _generate(self, tokens: list[int], params: GenerationParams, stop: StopFlag,
                  stops: Sequence[str], generated: list[int], pieces: list[str],
                  on_text: TextSink, started: float, scores: ConfidenceMeter | None,
                  decoder: TokenDecoder, clock: DecodeClock,
                  ) -> tuple[FinishReason, float | None]:
        llama_cpp, llm = self._llama_cpp, self._llm
        utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        cutter = StopText(stops)
        n_ctx = self.info.context_size
        ttft: float | None = None
        started_text = False
        finish: FinishReason | None = None
        while finish is None:
            limit = min(params.max_tokens - len(generated), n_ctx - len(tokens) - len(generated))
            sampled = self._decode(functools.partial(decoder.step, limit), stop)
            if sampled is None or stop.is_set():
                finish = "cancelled" if stop.is_set() else "stop"
                break
            clock.tick(len(sampled))
            for token, index in sampled:
                if ttft is None:
                    ttft = time.perf_counter() - started
                if scores is not None:
                    scores.add(token, index)  # the logits that chose it are still there
                if llama_cpp.llama_vocab_is_eog(self._vocab, token):
                    finish = "stop"
                    break
                generated.append(token)
                text = utf8.decode(llm.detokenize([token]))
                if not started_text:
                    text = text.lstrip()
                    started_text = bool(text)
                visible = cutter.feed(text)
                if visible:
                    pieces.append(visible)
                    on_text(visible)
                if cutter.hit:
                    finish = "stop"
                    break
                if len(generated) >= params.max_tokens or len(tokens) + len(generated) >= n_ctx:
                    finish = "length"
                    break
        tail = cutter.flush() + utf8.decode(b"", final=True)
        if tail and finish != "cancelled":
            pieces.append(tail)
            on_text(tail)
        return finish, ttft

    def _decode(self, step: Callable[[], Any], stop: StopFlag) -> Any:
        """Run a llama.cpp step, turning an abort into a stop and a failure into a KnownError."""
        try:
            return step()
        except RuntimeError as exc:
            if stop.is_set():
                return None
            raise KnownError(f"llama.cpp failed while generating: {exc}") from exc

    def _set_abort(self, signal: StopFlag) -> None:
        self._llama_cpp.llama_set_abort_callback(
            self._llm.ctx, self._abort_callback, signal.address)


def _rate(count: int, elapsed_ms: float) -> float | None:
    return count / (elapsed_ms / 1000.0) if count > 0 and elapsed_ms > 0 else None


def _token_text(llama_cpp: Any, vocab: Any, token: int) -> str:
    if token < 0:
        return ""
    raw: bytes = llama_cpp.llama_vocab_get_text(vocab, token)
    return raw.decode("utf-8", "replace")
