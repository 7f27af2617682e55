"""Load options llama-cpp-python does not expose: weight repacking, KV-cache type, flash attention.

Each is checked in what llama.cpp itself reports while loading (its buffer sizes and flash
attention lines, read into ``ModelInfo``), on the quantized tiny model in a real engine process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import get_args

import pytest

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.errors import ConfigError
from desktop.core.local._native_options import read_load_log
from desktop.core.local._values import FlashAttentionChoice, KvCacheType, RepackChoice
from desktop.core.local.engine import EngineConfig, LocalEngine
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import Settings, setting_for
from tests.modelgen import cached_model

QUESTION = [ChatMessage("user", "hello")]
GREEDY = GenerationParams(max_tokens=12, temperature=0.0, seed=1)


@pytest.fixture(scope="module")
def q4_model() -> Path:
    return cached_model("tiny-q4_k_m")


Load = Callable[..., LocalEngine]


@pytest.fixture
def load(q4_model: Path) -> Iterator[Load]:
    """Loads the quantized tiny model with the given options; closes every engine after."""
    engines: list[LocalEngine] = []

    def with_options(**options: str) -> LocalEngine:
        engine = LocalEngine.load(EngineConfig(model_path=q4_model, context_size=1024,
                                               threads=1, batch_size=64, **options))
        engines.append(engine)
        return engine

    yield with_options
    for engine in engines:
        engine.close()


def test_repack_on_copies_the_weights_and_off_reads_them_from_the_file(load: Load) -> None:
    on, off = load(repack="on"), load(repack="off")
    # llama.cpp moved the matrices it could repack out of the mapped file into its own buffer.
    assert on.info.repacked_bytes > 0
    assert on.info.mapped_bytes + on.info.repacked_bytes > off.info.mapped_bytes
    assert off.info.repacked_bytes == 0
    assert off.info.mapped_bytes > on.info.mapped_bytes
    for engine in (on, off):
        assert engine.chat(QUESTION, GREEDY, on_text=lambda _t: None).tokens_out > 0


def test_auto_leaves_the_weights_in_the_file(load: Load) -> None:
    assert load(repack="auto").info.repacked_bytes == 0


def test_kv_cache_types_shrink_the_cache_and_flash_attention_follows_the_setting(
        load: Load) -> None:
    f16 = load(kv_cache_type="f16", flash_attention="off")
    q8 = load(kv_cache_type="q8_0", flash_attention="auto")
    q4 = load(kv_cache_type="q4_0", flash_attention="on")
    assert (f16.info.kv_cache_type, q8.info.kv_cache_type, q4.info.kv_cache_type) == (
        "f16", "q8_0", "q4_0")
    # 1,024 cells x 2 layers x 128 values for K and V: 1 MiB in f16, 8.5 and 4.5 bits a value.
    assert f16.info.kv_cache_bytes == 1 << 20
    assert f16.info.kv_cache_bytes > q8.info.kv_cache_bytes > q4.info.kv_cache_bytes > 0
    assert f16.info.flash_attention is False
    assert q8.info.flash_attention is True  # auto: the CPU backend supports it
    assert q4.info.flash_attention is True
    for engine in (f16, q8, q4):
        answer = engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
        assert answer.tokens_out == GREEDY.max_tokens


def test_a_quantized_cache_without_flash_attention_is_refused_before_loading(
        load: Load) -> None:
    with pytest.raises(ConfigError, match="needs flash attention"):
        load(kv_cache_type="q4_0", flash_attention="off")


def test_the_load_log_reader_sums_buffers_and_reads_the_resolved_flash_attention() -> None:
    report = read_load_log([
        "load_tensors:   CPU_Mapped model buffer size =   753.81 MiB\n",
        "load_tensors:   CPU_REPACK model buffer size =   445.50 MiB\n",
        "llama_context: flash_attn            = auto\n",
        "llama_kv_cache: size =  128.00 MiB (  4096 cells,  16 layers,  1/1 seqs), "
        "K (q8_0):   64.00 MiB, V (q8_0):   64.00 MiB\n",
        "resolve_fused_ops: Flash Attention disabled\n",
    ])
    assert report.mapped_bytes == round(753.81 * 2**20)
    assert report.repacked_bytes == round(445.5 * 2**20)
    assert report.kv_cache_bytes == 128 * 2**20 and report.kv_cache_type == "q8_0"
    assert report.flash_attention is False


def test_the_settings_offer_exactly_the_engine_choices() -> None:
    for key, literal in (("local.repack", RepackChoice), ("local.kv_cache_type", KvCacheType),
                         ("local.flash_attention", FlashAttentionChoice)):
        assert setting_for(key).choices == get_args(literal)


def test_settings_reach_the_engine_and_only_load_options_reload_it(
        settings: Settings, q4_model: Path) -> None:
    settings.set("local.model_path", str(q4_model))
    with pytest.raises(ConfigError):
        settings.set("local.kv_cache_type", "q2_k")
    slot = ModelSlot(settings)
    try:
        first = slot.engine()
        pid = first.pid
        assert first.info.repacked_bytes == 0
        settings.set("local.prompt_lookup", True)
        assert slot.engine().pid == pid  # applies from the next answer, same process
        assert slot.engine().config.prompt_lookup is True
        answer = slot.engine().chat(QUESTION, GREEDY, on_text=lambda _t: None)
        assert answer.tokens_out > 0
        settings.set("local.repack", "on")
        settings.set("local.kv_cache_type", "q8_0")
        reloaded = slot.engine()
        assert reloaded.pid != pid
        assert reloaded.info.repacked_bytes > 0 and reloaded.info.kv_cache_type == "q8_0"
    finally:
        slot.close()
