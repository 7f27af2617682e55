"""PyInstaller hook for llama-cpp-python: its native libraries and the backends ggml loads itself.

llama_cpp opens ``llama_cpp/lib/libllama.so`` (``.dylib``, ``llama.dll``) with ctypes, so no import
analysis can find it. A build with ``GGML_BACKEND_DL`` also installs the CPU variants and GPU
backends as separate modules (``libggml-cpu-haswell.so`` …) that nothing links to, and depending
on the llama.cpp version they land outside ``llama_cpp/lib``. Every shared library the
distribution installed is therefore collected into ``llama_cpp/lib``, where both the ctypes
loader and the bundle's runtime hook (``pyi_rth_ggml_backends.py``) look.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from PyInstaller.utils.hooks import copy_metadata

DEST = "llama_cpp/lib"
# libllama.so, libllama.so.0 (the soname) and libllama.so.0.5.0 are three copies of one file in a
# wheel; the fully versioned name is needed by nobody, so it is left out.
_SHARED = re.compile(r"(\.so(\.\d+)?|\.dylib|\.dll)$")
# llama.cpp's helper library (llama_cpp never loads it) and the multimodal one (Hearth sends no
# images; llama_cpp imports mtmd_cpp only for vision chat handlers).
_UNUSED = ("llama-common", "mtmd")
_FULLY_VERSIONED = re.compile(r"\.so\.\d+\.\d+(\.\d+)*$|\.\d+\.\d+(\.\d+)*\.dylib$")


def _libraries() -> list[tuple[str, str]]:
    files = metadata.distribution("llama_cpp_python").files or []
    found = [Path(str(f.locate())) for f in files]
    found = [p for p in found if _SHARED.search(p.name) and not _FULLY_VERSIONED.search(p.name)
             and not any(name in p.name for name in _UNUSED)]
    # The package's own folder first: the wheel also copies libggml* into site-packages/lib.
    found.sort(key=lambda p: (p.parent.name != "lib" or p.parent.parent.name != "llama_cpp",
                              p.name))
    chosen: dict[str, Path] = {}
    for path in found:
        if path.is_file():
            chosen.setdefault(path.name, path)
    return [(str(path), DEST) for path in chosen.values()]


binaries = _libraries()
# llama_cpp's chat formats render with jinja2 (imported at module level, so found by analysis);
# the server and its web dependencies are not part of Hearth.
excludedimports = ["llama_cpp.server"]
datas = copy_metadata("llama_cpp_python")
