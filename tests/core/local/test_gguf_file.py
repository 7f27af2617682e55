"""The GGUF header check: right answers for good files, one clear ModelFileError for bad ones."""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable, Iterable
from pathlib import Path

import gguf
import llama_cpp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.errors import ModelFileError
from desktop.core.local import gguf_file
from desktop.core.local.gguf_file import GGML_TYPES, KNOWN_ARCHITECTURES, inspect_gguf
from tests.modelgen import CHATML_TEMPLATE, TINY_NAME

# -- building small GGUF files by hand ---------------------------------------------------------

F32, F16, Q4_K = 0, 1, 12
U32, STRING, ARRAY = 4, 8, 9


def text(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack("<Q", len(raw)) + raw


def kv(key: str | bytes, kind: int, payload: bytes) -> bytes:
    return text(key) + struct.pack("<I", kind) + payload


def kv_str(key: str, value: str) -> bytes:
    return kv(key, STRING, text(value))


def kv_u32(key: str, value: int) -> bytes:
    return kv(key, U32, struct.pack("<I", value))


def tensor(name: str | bytes, dims: Iterable[int], type_id: int, offset: int) -> bytes:
    dims = list(dims)
    shape = b"".join(struct.pack("<q", dim) for dim in dims)
    return text(name) + struct.pack("<I", len(dims)) + shape + struct.pack("<iQ", type_id, offset)


BASE_KVS = [kv_str("general.architecture", "llama"), kv_u32("llama.context_length", 128)]
# Two tensors: 32 F32 values (128 bytes), then 64x2 F16 values (256 bytes) at the next 32-byte step.
BASE_TENSORS = [tensor("a.weight", [32], F32, 0), tensor("b.weight", [64, 2], F16, 128)]
BASE_DATA = 384


def build(
    kvs: list[bytes] | None = None,
    tensors: list[bytes] | None = None,
    data: int = BASE_DATA,
    *,
    version: int = 3,
    alignment: int = 32,
) -> bytes:
    kvs = BASE_KVS if kvs is None else kvs
    tensors = BASE_TENSORS if tensors is None else tensors
    header = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    header += b"".join(kvs) + b"".join(tensors)
    return header + bytes(-len(header) % alignment) + bytes(data)


Writer = Callable[[bytes], Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write bytes to a .gguf file in tmp_path and return its path."""

    def _write(content: bytes) -> Path:
        path = tmp_path / "model.gguf"
        path.write_bytes(content)
        return path

    return _write


def problem(path: Path) -> str:
    with pytest.raises(ModelFileError) as caught:
        inspect_gguf(path)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")
    return caught.value.problem


# -- valid files -------------------------------------------------------------------------------


def test_tiny_model_header(tiny_model: Path) -> None:
    info = inspect_gguf(tiny_model)

    assert info.path == tiny_model
    assert info.file_size == tiny_model.stat().st_size
    assert info.version == 3
    assert info.architecture == "llama"
    assert info.name == TINY_NAME
    assert info.quantization == "F16"
    assert info.context_length == 4096
    assert info.block_count == 2
    assert info.chat_template == CHATML_TEMPLATE
    assert info.tensor_count == 2 * 9 + 3
    vocab, embd, ff, kv_dim = 3072, 64, 128, 32
    per_layer = 2 * embd + 2 * embd * embd + 2 * kv_dim * embd + 3 * embd * ff
    assert info.parameter_count == 2 * vocab * embd + 2 * per_layer + embd
    assert info.data_offset % 32 == 0
    assert 0 < info.data_offset < info.file_size
    assert info.metadata["tokenizer.ggml.tokens"] == vocab  # long arrays: just their length
    assert info.metadata["llama.attention.head_count"] == 4
    assert info.metadata["tokenizer.ggml.add_bos_token"] is True


def test_accepts_path_as_text(tiny_model: Path) -> None:
    assert inspect_gguf(str(tiny_model)).architecture == "llama"


def test_small_hand_built_file(write: Writer) -> None:
    arrays = [
        kv("short", ARRAY, struct.pack("<IQ", U32, 3) + struct.pack("<3I", 1, 2, 3)),
        kv("names", ARRAY, struct.pack("<IQ", STRING, 2) + text("x") + text(b"\xff")),
        kv("long", ARRAY, struct.pack("<IQ", U32, 100) + bytes(400)),
    ]
    info = inspect_gguf(write(build(BASE_KVS + arrays)))

    assert info.version == 3
    assert info.name is None
    assert info.block_count is None
    assert info.chat_template is None
    assert info.parameter_count == 32 + 128
    assert info.quantization == "F16"  # no general.file_type: the type holding most weights
    assert info.metadata["short"] == (1, 2, 3)
    assert info.metadata["names"] == ("x", "\ufffd")  # values may hold any bytes
    assert info.metadata["long"] == 100


def test_version_2_and_custom_alignment(write: Writer) -> None:
    tensors = [tensor("a.weight", [32], F32, 0), tensor("b.weight", [8], F32, 256)]
    kvs = [*BASE_KVS, kv_u32("general.alignment", 256)]
    info = inspect_gguf(write(build(kvs, tensors, 256 + 32, version=2, alignment=256)))
    assert info.version == 2
    assert info.data_offset % 256 == 0


def test_file_type_names_the_quantization(write: Writer) -> None:
    kvs = [*BASE_KVS, kv_u32("general.file_type", 15)]
    assert inspect_gguf(write(build(kvs))).quantization == "Q4_K_M"


# -- the file itself ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in problem(tmp_path / "nope.gguf")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "model.gguf"
    folder.mkdir()
    assert "folder" in problem(folder)


def test_impossible_path() -> None:
    assert "cannot be opened" in problem(Path("model\0.gguf"))


def test_empty_file(write: Writer) -> None:
    assert "empty" in problem(write(b""))


def test_permission_denied(write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Runs as root too, where chmod cannot take read access away.
    monkeypatch.setattr(gguf_file, "open", refuse, raising=False)
    assert "permission denied" in problem(write(build()))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Hello, this is just some notes.\nNot a model.\n", "a text file"),
        ("Grüße aus Köln — ".encode() * 40, "a text file"),
        (b'{"error": "not found"}', "JSON"),
        (b"<!DOCTYPE html>\n<html><body>Sign in</body></html>", "web page (HTML)"),
        (b"\n  <html lang=en><head><title>404</title></head></html>", "web page (HTML)"),
        (
            b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 4368439584\n",
            "Git LFS pointer",
        ),
        (b"PK\x03\x04" + bytes(26) + b"archive/data.pkl" + bytes(64), "PyTorch checkpoint"),
        (b"PK\x03\x04" + bytes(26) + b"model.gguf" + bytes(64), "ZIP archive"),
        (b"\x80\x02}q\x00(X\x05\x00\x00\x00", "pickle"),
        (struct.pack("<Q", 2) + b'{"__metadata__": {}}' + bytes(64), "safetensors"),
        (b"\x1f\x8b\x08\x00" + bytes(64), "gzip archive"),
        (b"lmgg" + bytes(64), "GGML format"),
        (b"tjgg" + bytes(64), "GGML format"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "starts with the bytes 7F 45 4C 46 02 01 01 00"),
        (b"GG", "only 2 bytes long"),
    ],
)
def test_not_a_gguf_file(write: Writer, content: bytes, expected: str) -> None:
    found = problem(write(content))
    assert found.startswith("this is not a GGUF model file")
    assert expected in found


# -- header structure --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (1, "version 1"),
        (99, "GGUF version 99"),
        (0, "GGUF version 0"),
        (0x03000000, "big-endian"),
    ],
)
def test_unsupported_versions(write: Writer, version: int, expected: str) -> None:
    assert expected in problem(write(build(version=version)))


def test_absurd_counts(write: Writer) -> None:
    header = b"GGUF" + struct.pack("<IQQ", 3, 2**63, 1)
    assert "claims 9,223,372,036,854,775,808 tensors" in problem(write(header + bytes(64)))
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, 10**6)
    assert "metadata entries" in problem(write(header + bytes(64)))


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (kv("k", 13, b""), "unknown value type 13"),
        (kv("k", 2**31, b""), "unknown value type"),
        (kv("k", ARRAY, struct.pack("<IQ", ARRAY, 1)), "arrays of arrays"),
        (kv("k", ARRAY, struct.pack("<IQ", 77, 1)), "unknown item type 77"),
        (kv("k", ARRAY, struct.pack("<IQ", U32, 2**40)), "claims"),
        (kv("k", ARRAY, struct.pack("<IQ", STRING, 2**40)), "claims 1,099,511,627,776 texts"),
        (kv("k", STRING, struct.pack("<Q", 2**62)), "claims 4,611,686,018,427,387,904 bytes"),
        (kv(b"\xff\xfekey", U32, bytes(4)), "not valid UTF-8"),
        (kv(b"", U32, bytes(4)), "is empty"),
        (struct.pack("<Q", 2**64 - 1), "claims"),
        (kv_str("general.architecture", "llama"), "appears twice"),
    ],
)
def test_corrupt_metadata(write: Writer, entry: bytes, expected: str) -> None:
    assert expected in problem(write(build([*BASE_KVS, entry])))


@pytest.mark.parametrize(
    ("kvs", "expected"),
    [
        ([kv_u32("llama.context_length", 128)], "no general.architecture"),
        ([kv_u32("general.architecture", 1)], "not text"),
        ([kv_str("general.architecture", "tinyllama-9000")], "'tinyllama-9000' is not supported"),
        ([kv_str("general.architecture", "clip")], "vision projector (mmproj)"),
        ([*BASE_KVS, kv_str("general.type", "adapter")], "LoRA adapter"),
        ([*BASE_KVS, kv_u32("general.alignment", 48)], "not a power of two"),
        ([*BASE_KVS, kv_u32("general.alignment", 0)], "not a power of two"),
        ([*BASE_KVS, kv_str("general.alignment", "32")], "not a power of two"),
    ],
)
def test_unusable_metadata(write: Writer, kvs: list[bytes], expected: str) -> None:
    assert expected in problem(write(build(kvs)))


def test_every_known_architecture_is_accepted(write: Writer) -> None:
    for architecture in sorted(KNOWN_ARCHITECTURES):
        kvs = [kv_str("general.architecture", architecture)]
        assert inspect_gguf(write(build(kvs))).architecture == architecture


@pytest.mark.parametrize(
    ("tensors", "expected"),
    [
        ([], "no tensors"),
        ([tensor("a.weight", [32], 31, 0)], "data type 31"),
        ([tensor("a.weight", [32], -1, 0)], "data type -1"),
        ([tensor("a.weight", [32], 43, 0)], "data type 43"),
        ([tensor("a.weight", [1, 1, 1, 1, 1], F32, 0)], "5 dimensions"),
        ([tensor("a.weight", [32, 0], F32, 0)], "dimension of 0"),
        ([tensor("a.weight", [32, -4], F32, 0)], "dimension of -4"),
        ([tensor("a.weight", [2**62, 2**62], F32, 0)], "impossibly large"),
        ([tensor("a.weight", [100], Q4_K, 0)], "do not split into Q4_K blocks of 256"),
        ([tensor("a" * 64, [32], F32, 0)], "64 bytes long"),
        ([tensor(b"\xc3(", [32], F32, 0)], "not valid UTF-8"),
        ([tensor("a.weight", [32], F32, 16)], "not aligned"),
        ([tensor("a.weight", [32], F32, 32)], "not right after"),
        ([BASE_TENSORS[0], tensor("b.weight", [8], F32, 64)], "overlaps that of 'a.weight'"),
        ([BASE_TENSORS[0], tensor("a.weight", [8], F32, 128)], "'a.weight' appears twice"),
    ],
)
def test_corrupt_tensor_infos(write: Writer, tensors: list[bytes], expected: str) -> None:
    assert expected in problem(write(build(tensors=tensors)))


def test_truncated_weights(write: Writer) -> None:
    found = problem(write(build(data=BASE_DATA - 1)))
    assert "the file is incomplete" in found
    assert "download" in found


def test_truncations_of_the_tiny_model(tiny_model: Path, tmp_path: Path) -> None:
    content = tiny_model.read_bytes()
    info = inspect_gguf(tiny_model)
    tensor_infos = content.index(b"token_embd.weight") - 8
    cuts = {1, 3, 4, 5, 8, 12, 16, 20, 23, 24, 25, 100, 1000, info.data_offset // 2}
    cuts |= {tensor_infos + delta for delta in (-1, 0, 1, 9, 30)}
    cuts |= {info.data_offset + delta for delta in (-1, 0, 1, 4096)}
    cuts |= {len(content) // 2, len(content) - 1}
    cuts |= set(range(0, info.data_offset, 997))  # and a spread through the whole header
    path = tmp_path / "cut.gguf"
    for cut in sorted(cuts):
        path.write_bytes(content[:cut])
        found = problem(path)
        if cut > info.data_offset:
            assert "the file is incomplete" in found, cut
        elif cut > 4:
            assert "incomplete" in found, (cut, found)


# -- never anything but ModelFileError --------------------------------------------------------


def _inspect_bytes(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    try:
        inspect_gguf(path)
    except ModelFileError as exc:
        assert exc.path == path
        assert exc.problem


@pytest.fixture(scope="module")
def tiny_content(tiny_model: Path) -> tuple[bytes, int]:
    """The bytes of the tiny model and where its tensor data starts."""
    return tiny_model.read_bytes(), inspect_gguf(tiny_model).data_offset


_FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    # hearth_dirs (autouse) only sets environment variables; tmp_path is reused across examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@_FUZZ
@given(data=st.data())
def test_mutated_headers_only_raise_model_file_error(
    data: st.DataObject, tiny_content: tuple[bytes, int], tmp_path: Path
) -> None:
    original, header_end = tiny_content
    # Bias towards the fixed header, the first metadata entries and the tensor infos, where
    # lengths, counts and types live; the middle is mostly vocabulary text.
    position = st.one_of(
        st.integers(0, 127),
        st.integers(header_end - 2048, header_end - 1),
        st.integers(0, len(original) - 1),
    )
    content = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8), label="mutations")):
        at = min(data.draw(position, label="at"), len(content) - 1)
        how = data.draw(st.sampled_from(["byte", "u64", "cut", "insert", "delete"]), label="how")
        if how == "byte":
            content[at] = data.draw(st.integers(0, 255))
        elif how == "u64":
            extreme = st.sampled_from([0, 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1])
            value = data.draw(st.one_of(extreme, st.integers(0, 2**64 - 1)))
            content[at : at + 8] = value.to_bytes(8, "little")
        elif how == "cut":
            del content[at:]
        elif how == "insert":
            content[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        else:
            del content[at : at + data.draw(st.integers(1, 64))]
        if not content:
            break
    _inspect_bytes(tmp_path / "mutated.gguf", bytes(content))


@_FUZZ
@given(
    prefix=st.sampled_from([b"", b"GGUF", b"GGUF\x03\x00\x00\x00", b"GGUF\x02\x00\x00\x00"]),
    rest=st.binary(max_size=4096),
)
def test_random_bytes_only_raise_model_file_error(
    prefix: bytes, rest: bytes, tmp_path: Path
) -> None:
    _inspect_bytes(tmp_path / "random.gguf", prefix + rest)


@_FUZZ
@given(
    kvs=st.lists(
        st.tuples(st.text(min_size=1, max_size=12), st.integers(0, 13), st.binary(max_size=24)),
        max_size=4,
    ),
    tensors=st.lists(
        st.tuples(
            st.text(max_size=8),
            st.lists(st.integers(-2, 300), max_size=5),
            st.integers(-1, 45),
            st.integers(0, 1024),
        ),
        max_size=4,
    ),
    data=st.integers(0, 2048),
)
def test_structured_garbage_only_raises_model_file_error(
    kvs: list[tuple[str, int, bytes]],
    tensors: list[tuple[str, list[int], int, int]],
    data: int,
    tmp_path: Path,
) -> None:
    entries = [*BASE_KVS, *(kv(key, kind, payload) for key, kind, payload in kvs)]
    infos = [tensor(*fields) for fields in tensors]
    _inspect_bytes(tmp_path / "structured.gguf", build(entries, infos, data))


# -- the tables against their sources ----------------------------------------------------------


def test_type_table_matches_gguf_package() -> None:
    # gguf-py still gives Q8_1 the old 40-byte block; ggml's block_q8_1 is 2 halves + 32 int8.
    stale_in_gguf = {"Q8_1"}
    compared = 0
    for quant_type, (block_size, type_size) in gguf.GGML_QUANT_SIZES.items():
        ours = GGML_TYPES.get(int(quant_type))
        if ours is None or ours.name in stale_in_gguf:
            continue
        assert ours.name == quant_type.name
        assert (ours.block_size, ours.type_size) == (block_size, type_size), quant_type.name
        compared += 1
    assert compared >= 30


def _native_library(stem: str) -> Path:
    """The shared library llama-cpp-python ships (libggml-base.so, ggml-base.dll, ...)."""
    folder = Path(llama_cpp.__file__).parent / "lib"
    candidates = sorted(folder.glob(f"lib{stem}.*")) + sorted(folder.glob(f"{stem}.dll"))
    if not candidates:
        pytest.skip(f"no {stem} library under {folder}")
    return candidates[0]


def test_type_table_matches_bundled_ggml() -> None:
    ggml = ctypes.CDLL(str(_native_library("ggml-base")))
    ggml.ggml_blck_size.restype = ctypes.c_int64
    ggml.ggml_type_size.restype = ctypes.c_size_t
    ggml.ggml_type_name.restype = ctypes.c_char_p
    for type_id in range(llama_cpp.GGML_TYPE_COUNT):
        block_size, type_size = ggml.ggml_blck_size(type_id), ggml.ggml_type_size(type_id)
        ours = GGML_TYPES.get(type_id)
        if ours is None:
            assert block_size == 0, f"type {type_id} is missing from GGML_TYPES"
            continue
        assert ours.name.lower() == ggml.ggml_type_name(type_id).decode().lower()
        assert (ours.block_size, ours.type_size) == (block_size, type_size), ours.name
    assert max(GGML_TYPES) < llama_cpp.GGML_TYPE_COUNT


def test_known_architectures_are_in_bundled_llama() -> None:
    # Catches a name that a llama.cpp update dropped; new names have to be added by hand.
    content = _native_library("llama").read_bytes()
    missing = [name for name in KNOWN_ARCHITECTURES if name.encode() + b"\0" not in content]
    assert not missing
