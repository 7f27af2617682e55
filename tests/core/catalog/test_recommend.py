"""Recommending the largest catalog model that fits this computer's memory comfortably."""

from __future__ import annotations

from desktop.core.catalog import load_catalog, recommend_model
from desktop.core.local.hardware import Device, Hardware, SystemMemory

GB = 1_000_000_000


def _machine(available: float, *, gpu_free: float | None = None) -> Hardware:
    devices = (Device(name="CUDA0", description="test GPU", kind="GPU", backend="CUDA",
                      free_bytes=int(gpu_free * GB), total_bytes=int(gpu_free * GB)),) \
        if gpu_free is not None else ()
    return Hardware(backend="CUDA" if devices else "CPU", gpu_offload=bool(devices),
                    devices=devices, devices_source="test",
                    memory=SystemMemory(total_bytes=int(available * GB) * 2,
                                        available_bytes=int(available * GB)))


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
