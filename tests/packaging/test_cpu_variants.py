"""The portable CPU build never ships llama.cpp's AMX kernels (llama.cpp pull request #26954)."""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
LIB = "llama_cpp/lib"
INFO = "llama_cpp_python-0.3.36.dist-info"


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hearth_build", REPO / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wheel(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as wheel:
        for name in names:
            wheel.writestr(name, f"contents of {name}".encode())
        wheel.writestr(f"{INFO}/RECORD", "stale\n")
    return path


def test_the_variants_build_drops_the_amx_variant_and_keeps_a_valid_record(
        build: ModuleType, tmp_path: Path) -> None:
    variants = [f"{LIB}/libggml-cpu-{tag}.so" for tag in ("x64", "haswell", "icelake", "zen4",
                                                          "sapphirerapids", "alderlake")]
    kept = [f"{LIB}/libllama.so", f"{LIB}/libggml.so", *variants, f"{INFO}/METADATA"]
    source = _wheel(tmp_path / "llama_cpp_python-0.3.36-cp311-cp311-linux_x86_64.whl", kept)
    result = build.without_amx_variants(source)
    assert result != source and result.name == source.name
    with zipfile.ZipFile(result) as wheel:
        names = set(wheel.namelist())
        record = list(csv.reader(io.StringIO(wheel.read(f"{INFO}/RECORD").decode())))
        contents = {name: wheel.read(name) for name in names}
    assert f"{LIB}/libggml-cpu-sapphirerapids.so" not in names
    assert f"{LIB}/libggml-cpu-zen4.so" in names and f"{LIB}/libllama.so" in names
    assert len(names) == len(kept)  # the rest, and the rewritten RECORD
    listed = {row[0]: row for row in record}
    assert set(listed) == names
    for name, (_, digest, size) in ((n, listed[n]) for n in names if n != f"{INFO}/RECORD"):
        expected = base64.urlsafe_b64encode(hashlib.sha256(contents[name]).digest()).rstrip(b"=")
        assert digest == f"sha256={expected.decode()}" and int(size) == len(contents[name])


def test_a_wheel_without_an_amx_variant_is_used_as_it_is(build: ModuleType,
                                                        tmp_path: Path) -> None:
    source = _wheel(tmp_path / "llama_cpp_python-0.3.36-cp311-cp311-linux_x86_64.whl",
                    [f"{LIB}/libllama.so", f"{LIB}/libggml-cpu.so"])
    assert build.without_amx_variants(source) == source


def test_cmake_options_turn_amx_off(build: ModuleType) -> None:
    for backend in ("cpu", "cuda", "vulkan"):
        args = build.cmake_args(backend, cuda_architectures="90", extra=[])
        assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(args)
        assert "-DGGML_NATIVE=OFF" in args
