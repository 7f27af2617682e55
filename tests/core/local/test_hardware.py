"""Backend and device detection, system memory, and the "auto" GPU layer estimate."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from desktop.core.local import hardware
from desktop.core.local.backend import build_info
from desktop.core.local.engine import EngineConfig, LocalEngine
from desktop.core.local.gguf_file import inspect_gguf
from desktop.core.local.hardware import (
    Device,
    Hardware,
    describe,
    detect_hardware,
    plan_gpu_layers,
    system_memory,
)

cpu_build_only = pytest.mark.skipif(build_info().gpu_offload,
                                    reason="this llama.cpp build offloads to a GPU")


@cpu_build_only
def test_cpu_build_reports_cpu_with_zero_offloaded_layers_and_why(tiny_model: Path) -> None:
    found = detect_hardware()
    assert found.backend == "CPU" and not found.gpu_offload
    assert found.devices_source == "llama.cpp's backend registry"
    assert [d.kind for d in found.devices] == ["CPU"]
    assert found.gpus == ()
    plan = plan_gpu_layers(inspect_gguf(tiny_model), found, context_size=1024)
    assert plan.layers == 0 and plan.total == 3  # 2 blocks + the output layer
    assert plan.reason == "this build of llama.cpp is CPU-only"
    # The engine, asked for every layer on the GPU, reports what really happened and why.
    engine = LocalEngine.load(EngineConfig(model_path=tiny_model, context_size=256, threads=1,
                                           gpu_layers=-1))
    try:
        assert engine.info.backend == "CPU" and engine.info.gpu_layers == 0
        assert engine.info.offload_reason == "this build of llama.cpp is CPU-only"
    finally:
        engine.close()


def test_cpu_device_reports_memory() -> None:
    cpu = next(d for d in detect_hardware().devices if d.kind == "CPU")
    assert cpu.name and cpu.backend == "CPU"
    assert cpu.total_bytes is None or cpu.total_bytes > 0


def test_without_the_registry_the_build_info_still_names_the_backend(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hardware, "_registry_devices", lambda: None)
    found = detect_hardware()
    assert found.devices == () and "build information only" in found.devices_source
    assert found.backend == build_info().backend
    assert any("(none listed)" in line for line in describe(found))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/meminfo")
def test_system_memory_on_linux() -> None:
    memory = system_memory()
    assert memory is not None and 0 < memory.available_bytes <= memory.total_bytes


def test_meminfo_parsing(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemFree:         1000000 kB\n"
                       "MemAvailable:    8000000 kB\nBuffers:          10 kB\n")
    memory = hardware._linux_memory(meminfo)
    assert memory == hardware.SystemMemory(total_bytes=16_000_000 * 1024,
                                           available_bytes=8_000_000 * 1024)
    # Kernels before 3.14 have no MemAvailable: free + buffers + page cache stands in.
    meminfo.write_text("MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n")
    assert hardware._linux_memory(meminfo) == hardware.SystemMemory(total_bytes=102_400,
                                                                    available_bytes=35 * 1024)


def _with_gpu(free: int | None) -> Hardware:
    gpu = Device(name="CUDA0", description="test GPU", kind="GPU", backend="CUDA",
                 free_bytes=free, total_bytes=free)
    cpu = Device(name="CPU", description="test CPU", kind="CPU", backend="CPU", free_bytes=None,
                 total_bytes=None)
    return Hardware(backend="CUDA", gpu_offload=True, devices=(cpu, gpu),
                    devices_source="test", memory=None)


def test_auto_gpu_layers_grow_with_free_memory(tiny_model: Path) -> None:
    info = inspect_gguf(tiny_model)
    layer, kv = hardware._layer_costs(info, 1024)
    # Tiny model: 64 wide, 2 KV heads of 16, F16 weights (2 bytes each).
    assert kv == 2 * 2 * 16 * 1024 * 2
    assert 0 < layer < info.file_size
    margin = 512 * 1024 * 1024
    none = plan_gpu_layers(info, _with_gpu(margin), context_size=1024)
    one = plan_gpu_layers(info, _with_gpu(margin + layer + kv), context_size=1024)
    every = plan_gpu_layers(info, _with_gpu(4 * margin), context_size=1024)
    assert (none.layers, one.layers, every.layers) == (0, 1, 3)
    assert "not even one layer fits" in none.reason
    assert one.reason.startswith("1 of 3 layers fit in") and "the rest run on the CPU" in one.reason
    assert every.reason.startswith("all 3 layers fit") and "(CUDA0)" in every.reason


def test_auto_gpu_layers_without_a_gpu_or_a_memory_figure(tiny_model: Path) -> None:
    info = inspect_gguf(tiny_model)
    no_gpu = dataclasses.replace(_with_gpu(10**9), devices=_with_gpu(10**9).devices[:1])
    assert plan_gpu_layers(info, no_gpu, context_size=512).layers == 0
    unknown = plan_gpu_layers(info, _with_gpu(None), context_size=512)
    assert unknown.layers == -1 and "no free-memory figure" in unknown.reason


def test_describe_lists_backend_devices_and_memory() -> None:
    lines = describe(detect_hardware())
    assert lines[0].startswith(f"llama.cpp backend: {build_info().backend}")
    assert any(line.startswith("system memory:") for line in lines)
