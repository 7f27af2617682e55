"""Recommending the largest catalog model that fits this computer's memory and speed."""

from __future__ import annotations

import pytest

from desktop.core.catalog import CatalogEntry, load_catalog, recommend_model
from desktop.core.local.hardware import Device, Hardware, SystemMemory, estimate_decode_speed

GB = 1_000_000_000


def _machine(available: float, *, gpu_free: float | None = None, cores: int | None = 8
             ) -> Hardware:
    devices = (Device(name="CUDA0", description="test GPU", kind="GPU", backend="CUDA",
                      free_bytes=int(gpu_free * GB), total_bytes=int(gpu_free * GB)),) \
        if gpu_free is not None else ()
    return Hardware(backend="CUDA" if devices else "CPU", gpu_offload=bool(devices),
                    devices=devices, devices_source="test",
                    memory=SystemMemory(total_bytes=int(available * GB) * 2,
                                        available_bytes=int(available * GB)),
                    cpu_cores=cores)


def test_largest_model_that_fits_in_three_quarters_of_available_memory() -> None:
    catalog = load_catalog()
    # 2.0 GB available -> 1.5 GB budget: Qwen2.5 1.5B (1.24 GB) is the largest that fits.
    advice = recommend_model(catalog, _machine(2.0), context=4096)
    assert advice.entry is not None and advice.entry.id == "qwen2.5-1.5b-instruct"
    assert advice.budget == 1_500_000_000 and advice.memory_needed == 1_237_440_512
    assert "largest catalog model that fits" in advice.reason
    assert "KV cache at 4096 tokens" in advice.reason
    assert "without a verified memory figure were not considered" in advice.reason
    assert not advice.fits_gpu

    big = recommend_model(catalog, _machine(16.0), context=4096)
    assert big.entry is not None and big.entry.id == "phi-4-mini-instruct"


def test_context_changes_the_answer() -> None:
    catalog = load_catalog()
    short = recommend_model(catalog, _machine(3.5), context=2048)
    long = recommend_model(catalog, _machine(3.5), context=32768)
    assert short.entry is not None and long.entry is not None
    assert (long.memory_needed or 0) <= (short.budget or 0)
    assert short.entry.id != long.entry.id  # at 32K tokens the 3B models' KV cache is too big


def test_nothing_fits() -> None:
    advice = recommend_model(load_catalog(), _machine(0.5), context=4096)
    assert advice.entry is None and "even the smallest catalog model" in advice.reason


def test_unknown_memory() -> None:
    hardware = Hardware(backend="CPU", gpu_offload=False, devices=(), devices_source="test",
                        memory=None)
    advice = recommend_model(load_catalog(), hardware, context=4096)
    assert advice.entry is None and "could not be read" in advice.reason


def test_gpu_fit_is_mentioned() -> None:
    advice = recommend_model(load_catalog(), _machine(8.0, gpu_free=8.0), context=4096)
    assert advice.fits_gpu and "fits wholly in the GPU" in advice.reason


def test_decode_speed_scales_with_cores_over_file_size() -> None:
    # The benchmark's own point: an 808 MB file on 2 cores decoded at 35.9 tokens/s.
    assert estimate_decode_speed(808_000_000, 2) == pytest.approx(35.9)
    assert estimate_decode_speed(808_000_000, 4) == pytest.approx(71.8)
    assert estimate_decode_speed(1_616_000_000, 2) == pytest.approx(17.95)
    with pytest.raises(ValueError):
        estimate_decode_speed(0, 2)


def test_a_big_model_on_two_cores_is_not_recommended_even_with_memory_to_spare() -> None:
    catalog = load_catalog()
    advice = recommend_model(catalog, _machine(16.0, cores=2), context=4096)
    # Phi-4-mini (3.8B, 2.49 GB) would be ~11.6 tokens/s on 2 cores; the 3B models ~14; the
    # largest above 15 tokens/s is Qwen2.5 1.5B (1.12 GB, ~25.9 tokens/s).
    assert advice.entry is not None and advice.entry.id == "qwen2.5-1.5b-instruct"
    assert advice.tokens_per_s == pytest.approx(35.9 * 0.808 / 1.12, rel=1e-3)
    assert advice.speed_basis is not None and "benchmark" in advice.speed_basis
    assert "at least 15 tokens/s" in advice.reason and "on 2 CPU cores" in advice.reason


def test_more_cores_allow_the_bigger_model() -> None:
    advice = recommend_model(load_catalog(), _machine(16.0, cores=4), context=4096)
    assert advice.entry is not None and advice.entry.id == "phi-4-mini-instruct"


def _entry(entry_id: str, size_mb: float, *, kind: str = "chat") -> CatalogEntry:
    return CatalogEntry(id=entry_id, name=entry_id, url=f"https://x/{entry_id}.gguf",
                        file=f"{entry_id}.gguf", quantization="Q4_K_M", licence="MIT",
                        listed_size_mb=size_mb, layers=1, kv_heads=1, head_dim=1,
                        context_length=512, kind=kind)


def test_one_core_still_runs_a_1b_model() -> None:
    advice = recommend_model(load_catalog(), _machine(16.0, cores=1), context=4096)
    # 808 MB on one core: ~17.9 tokens/s; every larger model is under 15.
    assert advice.entry is not None and advice.entry.id == "llama-3.2-1b-instruct"


def test_when_nothing_is_fast_enough_the_fastest_that_fits_is_named() -> None:
    slow = [_entry("three-gb", 3000), _entry("two-gb", 2000), _entry("six-gb", 6000)]
    advice = recommend_model(slow, _machine(16.0, cores=1), context=512)
    assert advice.entry is not None and advice.entry.id == "two-gb"
    assert "No model that fits is estimated to write 15 tokens/s" in advice.reason
    assert advice.tokens_per_s == pytest.approx(35.9 * 0.808 / 2 / 2.0, rel=1e-3)


def test_unknown_core_count_judges_memory_only() -> None:
    advice = recommend_model(load_catalog(), _machine(16.0, cores=None), context=4096)
    assert advice.entry is not None and advice.entry.id == "phi-4-mini-instruct"
    assert advice.tokens_per_s is None and advice.speed_basis is None


def test_a_gpu_that_holds_the_model_lifts_the_speed_rule() -> None:
    advice = recommend_model(load_catalog(), _machine(16.0, gpu_free=8.0, cores=2),
                             context=4096)
    assert advice.entry is not None and advice.entry.id == "phi-4-mini-instruct"
    assert advice.fits_gpu and advice.tokens_per_s is None


def test_embedding_models_are_never_recommended() -> None:
    advice = recommend_model([_entry("embed", 100, kind="embedding")], _machine(16.0),
                             context=4096)
    assert advice.entry is None
