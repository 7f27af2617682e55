"""Check a GGUF model file's header before llama.cpp is given the file.

llama.cpp answers a bad file with a log line and a null pointer (or, for some corruptions, by
aborting the process), so Hearth reads the header itself first and turns every problem into a
``ModelFileError`` whose message tells the user what is wrong with the file. Only the header is
read, through a small buffer: every length and count is checked against what the file can still
hold before anything is allocated, and long arrays (the vocabulary) are skipped, not loaded.

Layout (all little-endian): magic ``GGUF``, u32 version, u64 tensor count, u64 metadata count,
the metadata entries (key, u32 type, value), the tensor infos (name, u32 n_dims, i64 dims, i32
ggml type, u64 offset), padding to ``general.alignment``, then the tensor data.
"""

from __future__ import annotations

import os
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from types import MappingProxyType
from typing import BinaryIO, Final

from desktop.core.errors import ModelFileError
from desktop.core.local._gguf_foreign import GGUF_MAGIC, describe_foreign
from desktop.core.local._gguf_tables import (
    _FILE_TYPES,
    GGML_TYPES,
    KNOWN_ARCHITECTURES,
    GgmlType,
)

__all__ = ["GGML_TYPES", "KNOWN_ARCHITECTURES", "GgmlType", "GgufInfo", "inspect_gguf"]

_MAGIC: Final = GGUF_MAGIC
_SUPPORTED_VERSIONS: Final = (2, 3)
_DEFAULT_ALIGNMENT: Final = 32
_MAX_DIMS: Final = 4
_MAX_TENSOR_NAME: Final = 63  # GGML_MAX_NAME minus the terminating NUL
_INT64_MAX: Final = (1 << 63) - 1
# Far beyond any real model (a few dozen metadata entries, a few thousand tensors, vocabularies
# under a million tokens, keys of a few dozen bytes); they bound memory and time on hostile files.
_MAX_ENTRIES: Final = 1 << 12
_MAX_TENSORS: Final = 1 << 16
_MAX_STRINGS_IN_ARRAY: Final = 1 << 22
_MAX_KEY_LENGTH: Final = 1 << 8
_MAX_KEPT_ITEMS: Final = 64  # longer arrays are kept as just their length
# Longer texts (an embedded tokenizer.json, say) are kept as just their length too, as is any
# text once this many bytes of text are held; chat templates are a few KB.
_MAX_KEPT_STRING: Final = 1 << 19
_MAX_KEPT_TEXT: Final = 1 << 22
_CHUNK: Final = 1 << 20

# Metadata value types of the GGUF spec; 8 is a string and 9 an array.
_STRING: Final = 8
_ARRAY: Final = 9
_BOOL: Final = 7
# Value type id -> struct code: u8 i8 u16 i16 u32 i32 f32 bool, then 10-12: u64 i64 f64.
_SCALAR_CODES: Final = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "B"}
_SCALARS: Final[Mapping[int, struct.Struct]] = MappingProxyType(
    {
        kind: struct.Struct("<" + code)
        for kind, code in {**_SCALAR_CODES, 10: "Q", 11: "q", 12: "d"}.items()
    }
)
_U32: Final = struct.Struct("<I")
_I32: Final = struct.Struct("<i")
_U64: Final = struct.Struct("<Q")
_I64: Final = struct.Struct("<q")


@dataclass(frozen=True, kw_only=True)
class GgufInfo:
    """What the header of a valid GGUF model file says.

    ``metadata`` holds every entry with scalar values as Python scalars and arrays of up to 64
    items as tuples; longer arrays, and texts over 512 KiB (or past 4 MiB of text in all), are
    kept as just their length (an int), so the vocabulary of a model is never held in memory.
    """

    path: Path
    file_size: int
    version: int
    architecture: str
    name: str | None
    tensor_count: int
    parameter_count: int
    quantization: str  # from general.file_type ("Q4_K_M"), else the dominant tensor type
    context_length: int | None
    block_count: int | None
    chat_template: str | None = field(repr=False)
    data_offset: int  # where the tensor data starts in the file
    metadata: Mapping[str, object] = field(repr=False, compare=False)


def inspect_gguf(path: str | Path) -> GgufInfo:
    """Read and check the header of the GGUF file at ``path``; raise ``ModelFileError`` if unusable.

    Checks the header structure, that llama.cpp knows the architecture and every tensor type, and
    that the tensor data lies wholly inside the file (which catches incomplete downloads).
    """
    try:
        found = os.stat(path)
        if S_ISDIR(found.st_mode):
            raise ModelFileError(path, "this is a folder, not a model file")
        if not S_ISREG(found.st_mode):  # a pipe or a device could block or never end
            raise ModelFileError(path, "this is not a regular file")
        handle = open(path, "rb")  # noqa: SIM115 - the with below closes it
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise ModelFileError(path, "the file does not exist") from None
    except PermissionError:
        raise ModelFileError(path, "the file cannot be read (permission denied)") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the path
        raise ModelFileError(path, f"the file cannot be opened ({_reason(exc)})") from exc
    with handle:
        return _Parser(Path(path), handle, found.st_size).parse()


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


class _Reader:
    """Sequential reads from a file through a 1 MiB window, never past the file's end."""

    def __init__(self, path: Path, handle: BinaryIO, size: int) -> None:
        self.path = path
        self.size = size
        self._handle = handle
        self._buf = b""
        self._buf_start = 0
        self._pos = 0

    @property
    def offset(self) -> int:
        return self._buf_start + self._pos

    @property
    def remaining(self) -> int:
        return self.size - self.offset

    def error(self, problem: str) -> ModelFileError:
        return ModelFileError(self.path, problem)

    def check_length(self, length: int, what: str) -> None:
        """Refuse a stored length that runs past the end of the file, before it is used."""
        if length > self.remaining:
            raise self.error(
                f"the file is corrupt or incomplete: {what} claims {length:,} bytes "
                f"but only {self.remaining:,} are left in the file"
            )

    def _fill(self, n: int, what: str) -> None:
        if n > self.remaining:
            raise self.error(
                f"the file ends in the middle of its header (in {what}); "
                "it is incomplete, download it again"
            )
        start = self.offset
        try:
            self._handle.seek(start)
            data = self._handle.read(max(n, _CHUNK))
        except OSError as exc:
            raise self.error(f"the file could not be read ({_reason(exc)})") from exc
        if len(data) < n:
            raise self.error("the file changed or shrank while it was being read")
        self._buf, self._buf_start, self._pos = data, start, 0

    def peek(self, n: int, what: str) -> bytes:
        if self._pos + n > len(self._buf):
            self._fill(n, what)
        return self._buf[self._pos : self._pos + n]

    def take(self, n: int, what: str) -> bytes:
        if self._pos + n > len(self._buf):
            self._fill(n, what)
        data = self._buf[self._pos : self._pos + n]
        self._pos += n
        return data

    def unpack(self, fmt: struct.Struct, what: str) -> int | float:
        if self._pos + fmt.size > len(self._buf):
            self._fill(fmt.size, what)
        value: int | float = fmt.unpack_from(self._buf, self._pos)[0]
        self._pos += fmt.size
        return value

    def u32(self, what: str) -> int:
        return int(self.unpack(_U32, what))

    def u64(self, what: str) -> int:
        return int(self.unpack(_U64, what))

    def skip(self, n: int, what: str) -> None:
        self.check_length(n, what)
        target = self.offset + n
        if target <= self._buf_start + len(self._buf):
            self._pos = target - self._buf_start
        else:
            self._buf, self._buf_start, self._pos = b"", target, 0

    def skip_strings(self, count: int, what: str) -> None:
        # The hot loop for 100k+ vocabularies: stay inside the buffer while it lasts.
        for _ in range(count):
            if self._pos + 8 > len(self._buf):
                self._fill(8, what)
            (length,) = _U64.unpack_from(self._buf, self._pos)
            self._pos += 8
            if self._pos + length <= len(self._buf):
                self._pos += length
            else:
                self.skip(length, what)


class _Parser:
    def __init__(self, path: Path, handle: BinaryIO, size: int) -> None:
        self.path = path
        self.size = size
        self.reader = _Reader(path, handle, size)
        self.kept_text = 0

    def parse(self) -> GgufInfo:
        if self.size == 0:
            raise self.reader.error("the file is empty (0 bytes); the download may have failed")
        head = self.reader.peek(min(self.size, 512), "the file's first bytes")
        if not head.startswith(_MAGIC):
            raise self.reader.error(describe_foreign(head))
        self.reader.skip(len(_MAGIC), "the magic")
        version = self._version()
        tensor_count, entry_count = self._counts()
        metadata = self._metadata(entry_count)
        alignment = self._alignment(metadata)
        architecture = self._check_architecture(metadata)
        if tensor_count == 0:
            raise self.reader.error("the file contains no tensors, so it holds no model weights")
        parameters, by_type, data_end = self._tensors(tensor_count, alignment)
        data_offset = -(-self.reader.offset // alignment) * alignment
        needed = data_offset + data_end
        if needed > self.size:
            raise self.reader.error(
                f"the file is incomplete: its weights need {needed:,} bytes but it has only "
                f"{self.size:,}; the download was probably cut short, download it again"
            )
        return GgufInfo(
            path=self.path,
            file_size=self.size,
            version=version,
            architecture=architecture,
            name=_text(metadata.get("general.name")),
            tensor_count=tensor_count,
            parameter_count=parameters,
            quantization=_quantization(metadata.get("general.file_type"), by_type),
            context_length=_count(metadata.get(f"{architecture}.context_length")),
            block_count=_count(metadata.get(f"{architecture}.block_count")),
            chat_template=_text(metadata.get("tokenizer.chat_template")),
            data_offset=data_offset,
            metadata=MappingProxyType(metadata),
        )

    def _version(self) -> int:
        version = self.reader.u32("the version number")
        if version in _SUPPORTED_VERSIONS:
            return version
        if version & 0xFFFF == 0 and int.from_bytes(version.to_bytes(4, "little"), "big") in (2, 3):
            raise self.reader.error(
                "this GGUF file was written for big-endian computers and cannot be used here"
            )
        if version == 1:
            raise self.reader.error(
                "this is a GGUF version 1 file, an early format llama.cpp no longer reads; "
                "download a newer conversion of the model"
            )
        raise self.reader.error(
            f"this file declares GGUF version {version:,}; only versions 2 and 3 are supported"
        )

    def _counts(self) -> tuple[int, int]:
        tensors = self.reader.u64("the tensor count")
        entries = self.reader.u64("the metadata count")
        # Smallest possible tensor info: 24 bytes; metadata entry: 14 bytes.
        room = self.reader.remaining
        if tensors > _MAX_TENSORS or tensors * 24 > room:
            raise self.reader.error(
                f"the file is corrupt or incomplete: its header claims {tensors:,} tensors, "
                f"more than a file of {self.size:,} bytes could describe"
            )
        if entries > _MAX_ENTRIES or entries * 14 > room - tensors * 24:
            raise self.reader.error(
                f"the file is corrupt or incomplete: its header claims {entries:,} metadata "
                f"entries, more than a file of {self.size:,} bytes could hold"
            )
        return tensors, entries

    def _metadata(self, count: int) -> dict[str, object]:
        metadata: dict[str, object] = {}
        for index in range(count):
            key = self._key(index)
            if key in metadata:
                raise self.reader.error(
                    f"the header is corrupt: metadata entry {key!r} appears twice"
                )
            kind = self.reader.u32(f"the type of metadata entry {key!r}")
            metadata[key] = self._value(kind, key)
        return metadata

    def _key(self, index: int) -> str:
        what = f"metadata key #{index + 1}"
        length = self.reader.u64(what)
        self.reader.check_length(length, what)
        if length == 0:
            raise self.reader.error(f"the header is corrupt: {what} is empty")
        if length > _MAX_KEY_LENGTH:
            raise self.reader.error(f"the header is corrupt: {what} is {length:,} bytes long")
        try:
            return self.reader.take(length, what).decode("utf-8")
        except UnicodeDecodeError:
            raise self.reader.error(f"the header is corrupt: {what} is not valid UTF-8") from None

    def _value(self, kind: int, key: str) -> object:
        if kind == _STRING:
            return self._string(key)
        if kind == _ARRAY:
            return self._array(key)
        fmt = _SCALARS.get(kind)
        if fmt is None:
            raise self.reader.error(
                f"the header is corrupt: metadata entry {key!r} has unknown value type {kind:,}"
            )
        value = self.reader.unpack(fmt, f"the value of {key!r}")
        return bool(value) if kind == _BOOL else value

    def _string(self, key: str) -> str | int:
        what = f"the text of {key!r}"
        length = self.reader.u64(what)
        self.reader.check_length(length, what)
        if length > _MAX_KEPT_STRING or self.kept_text + length > _MAX_KEPT_TEXT:
            self.reader.skip(length, what)
            return length
        self.kept_text += length
        return self.reader.take(length, what).decode("utf-8", errors="replace")

    def _array(self, key: str) -> object:
        what = f"the array {key!r}"
        kind = self.reader.u32(what)
        count = self.reader.u64(what)
        if kind == _STRING:
            if count > _MAX_STRINGS_IN_ARRAY or count * 8 > self.reader.remaining:
                raise self.reader.error(
                    f"the file is corrupt or incomplete: {what} claims {count:,} texts, "
                    "more than the file could hold"
                )
            if count > _MAX_KEPT_ITEMS:
                self.reader.skip_strings(count, what)
                return count
            return tuple(self._string(key) for _ in range(count))
        fmt = _SCALARS.get(kind)
        if fmt is None:
            nested = "arrays of arrays" if kind == _ARRAY else f"unknown item type {kind:,}"
            raise self.reader.error(f"the header is corrupt: {what} holds {nested}")
        self.reader.check_length(count * fmt.size, what)
        if count > _MAX_KEPT_ITEMS:
            self.reader.skip(count * fmt.size, what)
            return count
        items = [fmt.unpack_from(self.reader.take(fmt.size, what))[0] for _ in range(count)]
        return tuple(bool(item) for item in items) if kind == _BOOL else tuple(items)

    def _alignment(self, metadata: Mapping[str, object]) -> int:
        alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
        # llama.cpp insists on a u32 here; the value types are gone, so check the range instead.
        if (
            not isinstance(alignment, int)
            or isinstance(alignment, bool)
            or alignment <= 0
            or alignment >= 1 << 32
            or alignment & (alignment - 1)
        ):
            raise self.reader.error(
                f"the header is corrupt: general.alignment is {alignment!r}, not a power of two"
            )
        return alignment

    def _check_architecture(self, metadata: Mapping[str, object]) -> str:
        if metadata.get("general.type") == "adapter":
            raise self.reader.error(
                "this is a LoRA adapter, not a model; choose the base model file instead"
            )
        architecture = metadata.get("general.architecture")
        if architecture is None:
            raise self.reader.error(
                "the file has no general.architecture entry, so it cannot be run as a model"
            )
        if not isinstance(architecture, str):
            raise self.reader.error("the header is corrupt: general.architecture is not text")
        if architecture == "clip":
            raise self.reader.error(
                "this is the vision projector (mmproj) of a multimodal model, not the language "
                "model itself; choose the main model file"
            )
        if architecture not in KNOWN_ARCHITECTURES:
            shown = architecture if len(architecture) <= 40 else architecture[:40] + "…"
            raise self.reader.error(
                f"the model architecture {shown!r} is not supported by this version of Hearth's "
                "llama.cpp; a newer Hearth may run it"
            )
        return architecture

    def _tensors(self, count: int, alignment: int) -> tuple[int, Counter[str], int]:
        """Read the tensor infos; return (parameters, elements per type, end of tensor data)."""
        names: set[str] = set()
        parameters = 0
        by_type: Counter[str] = Counter()
        expected = 0  # llama.cpp wants each tensor right after the previous one, padded
        data_end = 0
        previous = ""
        for index in range(count):
            name = self._tensor_name(index)
            if name in names:
                raise self.reader.error(f"the header is corrupt: tensor {name!r} appears twice")
            names.add(name)
            elements, row = self._tensor_shape(name)
            type_id = self.reader.unpack(_I32, f"the type of tensor {name!r}")
            ggml_type = GGML_TYPES.get(int(type_id))
            if ggml_type is None:
                raise self.reader.error(
                    f"tensor {name!r} uses data type {type_id}, which this version of Hearth's "
                    "llama.cpp does not know"
                )
            offset = self.reader.u64(f"the offset of tensor {name!r}")
            self._check_layout(name, previous, offset, expected, alignment)
            nbytes = self._tensor_bytes(name, elements, row, ggml_type)
            parameters += elements
            by_type[ggml_type.name] += elements
            data_end = offset + nbytes
            expected = -(-data_end // alignment) * alignment
            previous = name
        return parameters, by_type, data_end

    def _tensor_name(self, index: int) -> str:
        what = f"the name of tensor #{index + 1}"
        length = self.reader.u64(what)
        self.reader.check_length(length, what)
        if length > _MAX_TENSOR_NAME:
            raise self.reader.error(
                f"the header is corrupt: {what} is {length:,} bytes long "
                f"(llama.cpp allows {_MAX_TENSOR_NAME})"
            )
        try:
            return self.reader.take(length, what).decode("utf-8")
        except UnicodeDecodeError:
            raise self.reader.error(f"the header is corrupt: {what} is not valid UTF-8") from None

    def _tensor_shape(self, name: str) -> tuple[int, int]:
        """Return (element count, row length) of the tensor whose shape comes next."""
        n_dims = self.reader.u32(f"the shape of tensor {name!r}")
        # llama.cpp accepts 0 dimensions (a scalar), so Hearth does too.
        if n_dims > _MAX_DIMS:
            raise self.reader.error(
                f"the header is corrupt: tensor {name!r} has {n_dims:,} dimensions "
                f"(at most {_MAX_DIMS})"
            )
        elements = row = 1
        for index in range(n_dims):
            dim = int(self.reader.unpack(_I64, f"the shape of tensor {name!r}"))
            if dim < 1:
                raise self.reader.error(
                    f"the header is corrupt: tensor {name!r} has a dimension of {dim:,}"
                )
            elements *= dim
            row = dim if index == 0 else row
            if elements > _INT64_MAX:
                raise self.reader.error(
                    f"the header is corrupt: tensor {name!r} is impossibly large"
                )
        return elements, row

    def _tensor_bytes(self, name: str, elements: int, row: int, ggml_type: GgmlType) -> int:
        # Blocks never straddle rows, so the row length must be a whole number of blocks.
        if row % ggml_type.block_size:
            raise self.reader.error(
                f"the header is corrupt: the rows of tensor {name!r} ({row:,} values) do not split "
                f"into {ggml_type.name} blocks of {ggml_type.block_size}"
            )
        return elements // ggml_type.block_size * ggml_type.type_size

    def _check_layout(
        self, name: str, previous: str, offset: int, expected: int, alignment: int
    ) -> None:
        if offset % alignment:
            raise self.reader.error(
                f"the header is corrupt: the data of tensor {name!r} is not aligned "
                f"to {alignment} bytes"
            )
        if offset < expected:
            raise self.reader.error(
                f"the header is corrupt: the data of tensor {name!r} overlaps that of {previous!r}"
            )
        if offset > expected:
            raise self.reader.error(
                f"the header is corrupt: the data of tensor {name!r} starts at {offset:,}, "
                f"not right after the tensor before it (at {expected:,})"
            )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _quantization(file_type: object, elements_by_type: Counter[str]) -> str:
    if isinstance(file_type, int) and file_type in _FILE_TYPES:
        return _FILE_TYPES[file_type]
    # No (or an unknown) general.file_type: name the type that holds most of the weights.
    return elements_by_type.most_common(1)[0][0]
