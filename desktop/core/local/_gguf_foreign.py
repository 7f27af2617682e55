"""Naming the common files that are mistaken for GGUF models (a web page, an archive, a
checkpoint in another format), so the error says what the file is."""

from __future__ import annotations

import struct
from typing import Final

GGUF_MAGIC: Final = b"GGUF"
_U64: Final = struct.Struct("<Q")

_ARCHIVES: Final = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"(\xb5/\xfd", "zstd"),
    (b"BZh", "bzip2"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"Rar!\x1a\x07", "RAR"),
)
# Pre-GGUF llama.cpp formats: "ggml", "ggmf", "ggjt" and "ggla" as little-endian u32 magics.
_LEGACY_MAGICS: Final = (b"lmgg", b"fmgg", b"tjgg", b"algg")


def describe_foreign(head: bytes) -> str:
    """Say what a file that lacks the GGUF magic is, when that can be told from its first bytes."""
    if len(head) < len(GGUF_MAGIC):
        return f"this is not a GGUF model file (it is only {len(head)} bytes long)"
    kind = _foreign_kind(head)
    if kind is not None:
        return f"this is not a GGUF model file: it is {kind}"
    shown = " ".join(f"{byte:02X}" for byte in head[:8])
    return f"this is not a GGUF model file (it starts with the bytes {shown})"


def _foreign_kind(head: bytes) -> str | None:
    convert = "it must be converted to GGUF first, or download a GGUF version of the model"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"version https://git-lfs"):
        return (
            "a Git LFS pointer to the model, not the model itself; download the real file "
            "(for example with git lfs pull)"
        )
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in lowered:
        return "a web page (HTML), probably an error or sign-in page saved in place of the model"
    if head.startswith(b"PK\x03\x04"):
        if b"data.pkl" in head:
            return f"a PyTorch checkpoint; {convert}"
        return "a ZIP archive; extract the .gguf file from it first"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return f"a PyTorch (pickle) checkpoint; {convert}"
    if len(head) >= 10 and head[8:10] == b'{"' and _U64.unpack_from(head)[0] < 1 << 30:
        return f"a safetensors file (Hugging Face weights); {convert}"
    for magic, name in _ARCHIVES:
        if head.startswith(magic):
            return f"a {name} archive; extract the .gguf file from it first"
    if head[257:262] == b"ustar":
        return "a tar archive; extract the .gguf file from it first"
    if head[:4] in _LEGACY_MAGICS:
        return (
            "a model in the GGML format that came before GGUF, which llama.cpp no longer "
            "reads; download a GGUF version of the model"
        )
    if _is_text(head):
        if lowered.startswith((b"{", b"[")):
            return "a JSON text file, not model weights"
        return "a text file, not model weights"
    return None


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the end of the sample still counts as text.
        if exc.start < len(head) - 3 or exc.reason != "unexpected end of data":
            return False
        text = head[: exc.start].decode("utf-8")
    return bool(text) and all(char.isprintable() or char in "\t\r\n" for char in text)
