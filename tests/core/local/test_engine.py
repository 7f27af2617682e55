"""The local engine on a real llama.cpp and the generated tiny GGUF model.

``LocalEngine`` runs the model in an engine process; the tests that look inside llama.cpp (the
abort callback, the rendered prompt) use ``LlamaSession``, what that process runs, directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.errors import ContextOverflowError
from desktop.core.local._session import LlamaSession
from desktop.core.local._stop_flag import SharedStopFlag
from desktop.core.local.engine import EngineConfig, LocalEngine

GREEDY = GenerationParams(max_tokens=24, temperature=0.0, seed=1)
SYSTEM = ChatMessage("system", "You are a test.")


def _load(model: Path, **overrides: int) -> LocalEngine:
    options = {"context_size": 1024, "threads": 1, "batch_size": 64} | overrides
    return LocalEngine.load(EngineConfig(model_path=model, **options))


@pytest.fixture(scope="module")
def engine(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    mp = pytest.MonkeyPatch()
    mp.setenv("HEARTH_DATA_DIR", str(tmp_path_factory.mktemp("engine-data")))
    loaded = _load(tiny_model)
    yield loaded
    loaded.close()
    mp.undo()


def _session(model: Path, **overrides: int) -> LlamaSession:
    options = {"context_size": 1024, "threads": 1, "batch_size": 64} | overrides
    return LlamaSession.load(EngineConfig(model_path=model, **options))


def _ask(engine: LocalEngine | LlamaSession, messages: list[ChatMessage],
         params: GenerationParams = GREEDY, stop: StopSignal | None = None
         ) -> tuple[str, object]:
    pieces: list[str] = []
    answer = engine.chat(messages, params, on_text=pieces.append, stop=stop)
    return "".join(pieces), answer


def test_reports_model_and_cpu_backend(engine: LocalEngine) -> None:
    info = engine.info
    assert info.architecture == "llama"
    assert info.backend == "CPU"
    assert info.gpu_layers == 0
    assert info.offload_reason is not None and "CPU" in info.offload_reason
    assert info.chat_template == "the model file"
    assert info.context_size == 1024
    assert info.parameter_count > 0


def test_streams_text_with_llama_cpp_timings(engine: LocalEngine) -> None:
    streamed, answer = _ask(engine, [SYSTEM, ChatMessage("user", "hello")])
    assert answer.tokens_out > 0
    assert streamed.rstrip() == answer.text and answer.text
    assert answer.finish_reason in {"stop", "length"}
    assert answer.ttft_s is not None and 0 < answer.ttft_s < answer.duration_s
    assert answer.prompt_tok_per_s is not None and answer.prompt_tok_per_s > 0
    assert answer.decode_tok_per_s is not None and answer.decode_tok_per_s > 0


def test_max_tokens_is_respected(engine: LocalEngine) -> None:
    _, answer = _ask(engine, [ChatMessage("user", "count")],
                     GenerationParams(max_tokens=5, temperature=0.0))
    assert answer.tokens_out <= 5


def test_next_turn_evaluates_only_new_tokens(engine: LocalEngine) -> None:
    first_q = [SYSTEM, ChatMessage("user", "tell me about the sea")]
    _, first = _ask(engine, first_q)
    second_q = [*first_q, ChatMessage("assistant", first.text), ChatMessage("user", "and rivers")]
    _, second = _ask(engine, second_q)
    # Everything the first turn evaluated (prompt and answer) is reused from the KV cache.
    assert second.tokens_reused >= first.tokens_in + first.tokens_out - 1
    new_tokens = second.tokens_in - second.tokens_reused
    assert 0 < new_tokens < 30


def test_cache_reuse_does_not_change_the_answer(engine: LocalEngine, tiny_model: Path) -> None:
    question = [SYSTEM, ChatMessage("user", "same question")]
    _, warm = _ask(engine, question)
    _, again = _ask(engine, question)
    fresh_engine = _load(tiny_model)
    try:
        _, fresh = _ask(fresh_engine, question)
    finally:
        fresh_engine.close()
    assert again.tokens_reused > 0
    assert warm.text == again.text == fresh.text


def test_stop_mid_answer_keeps_text_and_model_usable(engine: LocalEngine) -> None:
    question = [SYSTEM, ChatMessage("user", "a long story please")]
    _, reference = _ask(engine, [SYSTEM, ChatMessage("user", "reference")])
    stop = StopSignal()
    pieces: list[str] = []

    def on_text(text: str) -> None:
        pieces.append(text)
        if len(pieces) == 3:
            stop.set()

    answer = engine.chat(question, GenerationParams(max_tokens=200, temperature=0.0),
                         on_text=on_text, stop=stop)
    assert answer.finish_reason == "cancelled"
    assert answer.text and 3 <= answer.tokens_out < 200
    _, after = _ask(engine, [SYSTEM, ChatMessage("user", "reference")])
    assert after.text == reference.text


def test_stop_during_prompt_evaluation(tiny_model: Path) -> None:
    engine = _load(tiny_model, batch_size=8)
    try:
        long_question = [SYSTEM, ChatMessage("user", "word " * 400)]
        stop = StopSignal()
        progress: list[tuple[int, int]] = []

        def on_progress(done: int, total: int) -> None:
            progress.append((done, total))
            stop.set()

        answer = engine.chat(long_question, GREEDY, on_text=lambda _t: None, stop=stop,
                             on_prompt_progress=on_progress)
        assert answer.finish_reason == "cancelled"
        assert answer.tokens_out == 0 and answer.text == ""
        done, total = progress[-1]
        assert done < total  # stopped long before the prompt was evaluated
        _, after = _ask(engine, [SYSTEM, ChatMessage("user", "hello")])
        assert after.tokens_out > 0
    finally:
        engine.close()


@pytest.mark.parametrize("flag_kind", ["stop signal", "shared stop flag"])
def test_native_abort_callback_interrupts_llama_decode(tiny_model: Path, flag_kind: str) -> None:
    """Both flags llama.cpp's abort callback reads: this process's and the engine process's."""
    session = _session(tiny_model)
    flag = StopSignal() if flag_kind == "stop signal" else SharedStopFlag.create()
    llm = session._llm
    try:
        flag.set()
        session._set_abort(flag)
        before = llm.n_tokens
        with pytest.raises(RuntimeError, match="returned 2"):
            llm.eval(llm.tokenize(b"hello there", add_bos=False))
        assert llm.n_tokens == before
    finally:
        session._set_abort(session._idle)
        session.close()
        if isinstance(flag, SharedStopFlag):
            flag.close()


def test_overflow_trims_oldest_turns_and_keeps_system_prompt(tiny_model: Path) -> None:
    engine = _session(tiny_model, context_size=256)
    try:
        history: list[ChatMessage] = [SYSTEM]
        for i in range(12):
            history += [ChatMessage("user", f"question {i} " + "words " * 12),
                        ChatMessage("assistant", f"answer {i} " + "more " * 12)]
        history.append(ChatMessage("user", "the newest question"))
        _, answer = _ask(engine, history, GenerationParams(max_tokens=8, temperature=0.0))
        assert answer.trimmed_messages > 0
        assert answer.trimmed_messages % 2 == 0  # whole turns go
        assert answer.tokens_in + 8 <= 256
        rendered = engine._template.render([SYSTEM, *history[1 + answer.trimmed_messages:]])
        assert rendered.text.startswith("<|im_start|>system\nYou are a test.")
    finally:
        engine.close()


def test_message_longer_than_context_is_a_known_error(tiny_model: Path) -> None:
    engine = _load(tiny_model, context_size=256)
    try:
        with pytest.raises(ContextOverflowError, match="context"):
            _ask(engine, [ChatMessage("user", "word " * 600)])
    finally:
        engine.close()


def test_confidence_from_raw_logits(engine: LocalEngine) -> None:
    question = [SYSTEM, ChatMessage("user", "how sure are you")]
    _, plain = _ask(engine, question)
    measured = engine.chat(question, GREEDY, on_text=lambda _t: None, measure_confidence=True)
    assert plain.confidence is None
    confidence = measured.confidence
    assert confidence is not None and confidence.tokens >= measured.tokens_out
    assert confidence.low_logprob <= confidence.mean_logprob < 0
    assert 0 <= confidence.first_margin <= 1
    # Random weights spread probability over ~3000 tokens: far from confident.
    assert confidence.mean_logprob < -1
    assert measured.text == plain.text  # measuring does not change what is generated


def test_auto_gpu_layers_on_a_cpu_build_says_why(tiny_model: Path) -> None:
    engine = LocalEngine.load(EngineConfig(model_path=tiny_model, context_size=256, threads=1,
                                           gpu_layers=-2))
    try:
        assert engine.info.gpu_layers == 0
        assert engine.info.offload_reason and "CPU" in engine.info.offload_reason
    finally:
        engine.close()
