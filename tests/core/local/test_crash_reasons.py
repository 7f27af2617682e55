"""Crash reasons in words, the engine pipe's framing, and stop signals passed on at once."""

from __future__ import annotations

import io
import pickle
import signal
import struct
import sys

import pytest

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.local import _protocol as wire
from desktop.core.local._crash import describe_exit

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal numbers")
AMX_BUILD = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | "
             "AMX_INT8 = 1 | LLAMAFILE = 1 |")
AVX512_BUILD = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | FMA = 1 | AVX512 = 1 | AVX512_VBMI = 1 |"
HASWELL_FLAGS = frozenset({"pni", "ssse3", "avx", "avx2", "fma", "f16c", "bmi2"})


@POSIX_ONLY
def test_sigill_from_an_amx_build_names_amx_and_the_upstream_fix() -> None:
    crash = describe_exit(-signal.SIGILL, system_info=AMX_BUILD,
                          cpu_flags=frozenset({"avx512f", "amx_int8", "amx_tile"}))
    assert crash.signal_name == "SIGILL"
    assert "illegal instruction" in crash.reason and "AMX" in crash.reason
    assert "#26954" in crash.reason and "make" in crash.reason


@POSIX_ONLY
def test_sigill_names_the_instruction_sets_this_cpu_lacks() -> None:
    crash = describe_exit(-signal.SIGILL, system_info=AVX512_BUILD, cpu_flags=HASWELL_FLAGS)
    assert "AVX512, AVX512_VBMI" in crash.reason and "this CPU lacks" in crash.reason
    assert "AVX2" not in crash.reason.split("uses", 1)[1].split("which")[0]


@POSIX_ONLY
@pytest.mark.parametrize(("signum", "words"), [
    (signal.SIGKILL, "ran out of memory"),
    (signal.SIGSEGV, "invalid memory access"),
    (signal.SIGBUS, "model file changed"),
    (signal.SIGABRT, "llama.cpp aborted"),
])
def test_each_signal_says_what_it_likely_means(signum: int, words: str) -> None:
    crash = describe_exit(-signum)
    assert crash.signal_name == signal.Signals(signum).name
    assert words in crash.reason and crash.reason.startswith(crash.signal_name)


@POSIX_ONLY
def test_sigabrt_reads_the_last_words_on_stderr() -> None:
    vocab = describe_exit(-signal.SIGABRT, stderr_tail=[
        "terminate called after throwing an instance of 'std::out_of_range'\n",
        "  what():  unordered_map::at\n"])
    assert "vocabulary lacks the byte tokens llama.cpp needs" in vocab.reason
    memory = describe_exit(-signal.SIGABRT, stderr_tail=[
        "terminate called after throwing an instance of 'std::bad_alloc'", "  what(): x"])
    assert "ran out of memory" in memory.reason
    assertion = describe_exit(-signal.SIGABRT, stderr_tail=[
        "/src/ggml.c:1234: GGML_ASSERT(ne % 32 == 0) failed"])
    assert "GGML_ASSERT(ne % 32 == 0) failed" in assertion.reason


def test_a_plain_exit_is_not_a_signal() -> None:
    crash = describe_exit(1, stderr_tail=["Traceback (most recent call last):",
                                          "MemoryError"])
    assert crash.signal_name is None and crash.reason.endswith("MemoryError")


def test_messages_travel_as_typed_frames() -> None:
    stream = io.BytesIO()
    request = wire.Chat((ChatMessage("user", "café\n"),), GenerationParams(max_tokens=3),
                        True, False, True)
    wire.write(stream, request)
    wire.write(stream, wire.Text(("a", "b")))
    stream.seek(0)
    assert wire.read(stream) == request
    assert wire.read(stream) == wire.Text(("a", "b"))
    assert wire.read(stream) is None  # the end of the stream: the other side is gone


def test_the_pipe_refuses_anything_but_protocol_types() -> None:
    body = pickle.dumps(print)
    stream = io.BytesIO(struct.pack("<I", len(body)) + body)
    with pytest.raises(wire.ProtocolError, match="unexpected type builtins.print"):
        wire.read(stream)


def test_a_cut_frame_reads_as_the_end() -> None:
    frame = wire.encode(wire.Forget())
    assert wire.read(io.BytesIO(frame[:-1])) is None


def test_a_stop_signal_passes_itself_on_at_once() -> None:
    stop = StopSignal()
    seen: list[str] = []
    unsubscribe = stop.subscribe(lambda: seen.append("first"))
    stop.subscribe(lambda: seen.append("second"))
    unsubscribe()
    stop.set()
    assert seen == ["second"]
    stop.subscribe(lambda: seen.append("late"))  # already set: called at once
    assert seen == ["second", "late"]
