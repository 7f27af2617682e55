"""Build a packaged Hearth: llama.cpp for one backend, the app bundle, an archive and its checksum.

    python packaging/build.py --backend cpu|cuda|metal|vulkan [--model PATH] [--wheelhouse]
                              [--out DIR] [--reuse-wheel WHEEL | --llama-from-venv VENV]

Steps, each timed:

1. ``wheel``: llama-cpp-python built for the backend with ``pip wheel --no-cache-dir`` (pip's wheel
   cache ignores ``CMAKE_ARGS``) and kept under ``--work``, so a second run with the same
   arguments reuses it. ``--reuse-wheel`` takes a wheel built before; ``--llama-from-venv`` packs
   the llama-cpp-python installed in an environment (CI's test venv) into a wheel instead.
2. ``venv``: a clean virtual environment with that wheel, Hearth and PyInstaller.
3. ``pyinstaller``: ``packaging/hearth.spec``; ``hearth-defaults.toml`` (offline mode on, the
   embedded model) goes in the bundle, ``--model`` is header-checked first and copied to models/.
4. ``smoke``: the bundled ``hearth --version`` and ``hearth config get network.offline``.
5. ``archive``: ``<name>.tar.gz`` (``.zip`` on Windows) and ``SHA256SUMS`` in ``--out``.
6. ``wheelhouse`` (``--wheelhouse``): wheels of Hearth and every dependency, with a
   requirements file, for ``pip install --no-index --find-links``.

Needs the Python that Hearth supports (3.11+), a C/C++ compiler, CMake and network access to
PyPI on the build machine; the result needs none of these.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "hearth.spec"
LLAMA_CPP_PYTHON = "llama-cpp-python==0.3.36"  # the same pin as pyproject.toml
PYINSTALLER = "pyinstaller>=6.10,<7"
BACKENDS = ("cpu", "cuda", "metal", "vulkan")
# Real code for Turing to Hopper, plus PTX of the newest so later GPUs (Blackwell) can JIT it.
DEFAULT_CUDA_ARCHITECTURES = "75-real;80-real;86-real;89-real;90"
WINDOWS = sys.platform == "win32"
# ggml's CPU variants with AMX code. On CPUs that advertise AMX (Intel Sapphire Rapids and newer)
# ggml's loader would pick "sapphirerapids", whose AMX kernels trap with SIGILL on the first decode
# of a Q4_K/Q8_0 model (ggml-org/llama.cpp pull request #26954). -DGGML_AMX_TILE=OFF cannot keep
# them out of a GGML_CPU_ALL_VARIANTS build: ggml_add_cpu_backend_variant() in
# ggml/src/CMakeLists.txt (llama-cpp-python 0.3.36) sets every GGML_<feature> for each variant
# itself, AMX_TILE and AMX_INT8 on for this one. So the module is left out of the wheel.
AMX_VARIANT = re.compile(r"(^|/)(lib)?ggml-cpu-sapphirerapids\.(so|dll|dylib)$")
# Where the CPU code is built once (no variants): AMX off explicitly, for the same reason.
NO_AMX = ("-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF")
MACOS = sys.platform == "darwin"


class BuildError(Exception):
    """A step failed; the message says which and why."""


# -- what to build -----------------------------------------------------------------------------


def cmake_args(backend: str, *, cuda_architectures: str, extra: list[str]) -> list[str]:
    """CMake options for llama.cpp: portable (no -march=native) and for the chosen backend.

    On Linux and Windows every backend is a module that ggml loads at run time
    (``GGML_BACKEND_DL``), with the CPU code built once per instruction-set level
    (``GGML_CPU_ALL_VARIANTS``): the bundle picks the best variant for the CPU it runs on, and a
    CUDA or Vulkan build still starts, on the CPU, where the GPU driver is missing. On macOS
    llama-cpp-python always builds Metal into the library. The multimodal library (mtmd) is left
    out: Hearth does not use it. AMX is never built in (see ``AMX_VARIANT``): the variants build
    ignores ``NO_AMX``, so ``without_amx_variants`` drops that module from the wheel instead.
    """
    args = ["-DGGML_NATIVE=OFF", "-DLLAVA_BUILD=OFF", *NO_AMX]
    if not MACOS:
        args += ["-DGGML_BACKEND_DL=ON", "-DGGML_CPU_ALL_VARIANTS=ON"]
    if backend == "cuda":
        args += ["-DGGML_CUDA=on", f"-DCMAKE_CUDA_ARCHITECTURES={cuda_architectures}"]
    elif backend == "metal":
        args += ["-DGGML_METAL=on"]
    elif backend == "vulkan":
        args += ["-DGGML_VULKAN=on"]
    return args + extra


def check_backend(backend: str) -> None:
    if backend == "metal" and not MACOS:
        raise BuildError("the Metal backend is built on macOS only")
    if backend in ("cuda", "vulkan") and MACOS:
        raise BuildError(f"{backend} is not available on macOS; use --backend metal")
    if backend == "cpu" and MACOS:
        print("note: llama-cpp-python always enables Metal on macOS; this is a Metal build",
              flush=True)


def platform_tag() -> str:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform,
                                                                          sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64").replace("aarch64", "arm64")
    return f"{system}-{machine}"


def hearth_version() -> str:
    text = (ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'__version__ = "([^"]+)"', text)
    if found is None:
        raise BuildError("desktop/__init__.py has no __version__")
    return found[1]


# -- helpers -----------------------------------------------------------------------------------


class Timer:
    """Wall-clock seconds of each step, printed as they finish and summarised at the end."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        print(f"\n== {name}", flush=True)
        start = time.monotonic()
        yield
        self.steps[name] = round(time.monotonic() - start, 1)
        print(f"== {name}: {self.steps[name]:.1f} s", flush=True)


def run(command: list[str | Path], *, env: dict[str, str] | None = None,
        cwd: Path | None = None, capture: bool = False) -> str:
    printable = " ".join("'...'" if "\n" in str(c) else str(c) for c in command)
    print(f"$ {printable}", flush=True)
    done = subprocess.run([str(c) for c in command], env=env, cwd=cwd, check=False,
                          text=True, capture_output=capture)
    if done.returncode != 0:
        detail = f"\n{done.stdout}{done.stderr}" if capture else ""
        raise BuildError(f"{printable} failed with exit status {done.returncode}{detail}")
    return done.stdout if capture else ""


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sha256sums(folder: Path, names: list[str]) -> Path:
    """``SHA256SUMS`` in the format ``sha256sum -c`` (and ``shasum -a 256 -c``) reads."""
    target = folder / "SHA256SUMS"
    lines = [f"{sha256_of(folder / name)}  {name}\n" for name in sorted(names)]
    target.write_text("".join(lines), encoding="utf-8", newline="\n")
    return target


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


# -- step 1: the llama-cpp-python wheel -----------------------------------------------------------


def build_wheel(args: argparse.Namespace, work: Path) -> Path:
    return without_amx_variants(_any_wheel(args, work))


def _any_wheel(args: argparse.Namespace, work: Path) -> Path:
    if args.reuse_wheel:
        wheel = Path(args.reuse_wheel).resolve()
        if not wheel.is_file() or wheel.suffix != ".whl":
            raise BuildError(f"--reuse-wheel {wheel}: not a wheel file")
        print(f"using {wheel}")
        return wheel
    if args.llama_from_venv:
        return wheel_from_venv(Path(args.llama_from_venv), work / "wheels" / "from-venv")
    cmake = cmake_args(args.backend, cuda_architectures=args.cuda_arch, extra=args.cmake_arg)
    return compile_wheel(args, work, cmake)


def compile_wheel(args: argparse.Namespace, work: Path, cmake: list[str]) -> Path:
    """llama-cpp-python compiled with these CMake options, or the wheel a run before built."""
    key = hashlib.sha256(json.dumps([LLAMA_CPP_PYTHON, args.llama_source, cmake, platform_tag(),
                                     sys.version_info[:2]]).encode()).hexdigest()[:12]
    folder = work / "wheels" / f"{args.backend}-{key}"
    existing = sorted(folder.glob("llama_cpp_python-*.whl"))
    if existing:
        print(f"reusing {existing[0]} (built before with CMAKE_ARGS={' '.join(cmake)})")
        return existing[0]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = dict(os.environ, CMAKE_ARGS=" ".join(cmake))
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(args.jobs or os.cpu_count() or 2))
    print(f"CMAKE_ARGS={env['CMAKE_ARGS']}")
    run([sys.executable, "-m", "pip", "wheel", "--no-cache-dir", "--no-deps",
         "--wheel-dir", folder, args.llama_source or LLAMA_CPP_PYTHON], env=env)
    (folder / "CMAKE_ARGS.txt").write_text(env["CMAKE_ARGS"] + "\n", encoding="utf-8")
    built = sorted(folder.glob("llama_cpp_python-*.whl"))
    if not built:
        raise BuildError(f"pip wheel wrote no llama_cpp_python wheel into {folder}")
    return built[0]


def without_amx_variants(wheel: Path) -> Path:
    """``wheel`` without the ggml CPU variants that hold AMX code (a copy beside it, RECORD fixed).

    ggml's backend loader scores every ``ggml-cpu-*`` module in its folder against this CPU and
    loads the best; with ``sapphirerapids`` gone it picks the best variant without AMX (``zen4``
    on Sapphire Rapids: AVX-512 with VBMI, VNNI and BF16). A wheel without such a module (one with
    the backends linked in, or a Windows build: MSVC has no AMX) is returned as it is.
    """
    with zipfile.ZipFile(wheel) as source:
        names = source.namelist()
        dropped = [n for n in names if AMX_VARIANT.search(n)]
        if not dropped:
            return wheel
        folder = wheel.parent / "without-amx"
        target = folder / wheel.name
        if target.is_file() and target.stat().st_mtime_ns >= wheel.stat().st_mtime_ns:
            print(f"reusing {target}")
            return target
        print(f"leaving out of the bundle: {', '.join(Path(n).name for n in dropped)} "
              "(AMX kernels, llama.cpp pull request #26954)")
        folder.mkdir(parents=True, exist_ok=True)
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        record = io.StringIO()
        writer = csv.writer(record, lineterminator="\n")
        tmp = target.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in source.infolist():
                if info.filename in dropped or info.filename == record_name:
                    continue
                data = source.read(info)
                out.writestr(info, data)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                writer.writerow([info.filename, f"sha256={digest.decode()}", len(data)])
            writer.writerow([record_name, "", ""])
            out.writestr(record_name, record.getvalue())
    os.replace(tmp, target)
    return target


def loads_backends_itself(wheel: Path) -> bool:
    """Whether the wheel is a GGML_BACKEND_DL build (its CPU code in ggml-cpu-* modules)."""
    with zipfile.ZipFile(wheel) as zf:
        return any(re.search(r"ggml-cpu-[^/]+\.(so|dll|dylib)$", name) for name in zf.namelist())


_INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}


def wheel_from_venv(venv: Path, folder: Path) -> Path:
    """Pack the llama-cpp-python installed in ``venv`` back into a wheel (from its RECORD)."""
    probe = ("import importlib.metadata as m, json; d = m.distribution('llama_cpp_python'); "
             "files = d.files or []; "
             "meta = next(f for f in files if f.name == 'METADATA'); "
             "print(json.dumps({'version': d.version, 'info': str(meta.locate().parent), "
             "'files': [str(f) for f in files]}))")
    info = json.loads(run([venv_python(venv), "-c", probe], capture=True))
    dist_info = Path(info["info"])
    site = dist_info.parent
    tag = next((line.split(":", 1)[1].strip()
                for line in (dist_info / "WHEEL").read_text(encoding="utf-8").splitlines()
                if line.startswith("Tag:")), None)
    if tag is None:
        raise BuildError(f"{dist_info}/WHEEL names no tag")
    name = f"llama_cpp_python-{info['version']}-{tag}.whl"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    files = [f for f in info["files"]
             if not f.startswith("..") and "__pycache__" not in f
             and not (Path(f).parent == Path(dist_info.name) and Path(f).name in _INSTALLER_FILES)]
    fingerprint = hashlib.sha256()
    for relative in sorted(files):
        stat = (site / relative).stat()
        fingerprint.update(f"{relative}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    stamp = folder / f"{name}.source"
    if target.is_file() and stamp.is_file() and stamp.read_text() == fingerprint.hexdigest():
        print(f"reusing {target} (packed before from {site})")
        return target
    print(f"packing the llama-cpp-python {info['version']} installed in {site}")
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as wheel:
        for relative in sorted(files):
            data = (site / relative).read_bytes()
            wheel.writestr(relative.replace(os.sep, "/"), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            writer.writerow([relative.replace(os.sep, "/"), f"sha256={digest.decode()}",
                             len(data)])
        record_name = f"{dist_info.name}/RECORD"
        writer.writerow([record_name, "", ""])
        wheel.writestr(record_name, record.getvalue())
    os.replace(tmp, target)
    stamp.write_text(fingerprint.hexdigest())
    return target


# -- step 2: the build environment -------------------------------------------------------------


def stage_sources(work: Path) -> Path:
    """A copy of what the Hearth wheel is built from.

    Built in the checkout, setuptools leaves build/lib behind and packs whatever is still there
    next time, modules long deleted included; a fresh copy holds exactly the current sources.
    """
    source = work / "src"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for path in [ROOT / "pyproject.toml", *ROOT.glob("README*"), *ROOT.glob("LICENSE*")]:
        shutil.copy2(path, source / path.name)
    shutil.copytree(ROOT / "desktop", source / "desktop",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return source


def make_venv(work: Path, backend: str, wheel: Path, source: Path) -> Path:
    venv = work / f"venv-{backend}"
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", venv])
    python = venv_python(venv)
    run([python, "-m", "pip", "install", "--quiet", wheel, source, PYINSTALLER])
    return python


def check_imports(python: Path) -> None:
    """Every Hearth module imports in the clean venv, with only the declared dependencies.

    PyInstaller would otherwise build a bundle that fails only when the user opens that part.
    """
    script = ("import importlib, pkgutil, desktop\n"
              "failed = []\n"
              "for m in pkgutil.walk_packages(desktop.__path__, 'desktop.'):\n"
              "    try:\n"
              "        importlib.import_module(m.name)\n"
              "    except Exception as exc:\n"
              "        failed.append(f'{m.name}: {exc}')\n"
              "print('\\n'.join(failed))\n")
    failed = run([python, "-c", script], capture=True, cwd=python.parent).strip()
    if failed:
        raise BuildError("these Hearth modules fail to import in a clean install of the "
                         "checkout (a dependency missing from pyproject.toml, or a module "
                         f"missing from the checkout):\n{failed}")


def check_model(python: Path, model: Path) -> None:
    """Refuse to embed a file Hearth itself would reject (desktop.core.local.gguf_file)."""
    script = ("import sys; from desktop.core.local.gguf_file import inspect_gguf; "
              "i = inspect_gguf(sys.argv[1]); "
              "print(f'{i.architecture}, {i.quantization}, {i.parameter_count:,} parameters, '"
              "f'context {i.context_length}, {i.file_size:,} bytes')")
    print(f"{model.name}: " + run([python, "-c", script, model], capture=True).strip())


# -- step 3 and 4: the bundle ------------------------------------------------------------------


def run_pyinstaller(python: Path, work: Path, backend: str, model: Path | None) -> Path:
    env = dict(os.environ, HEARTH_BACKEND=backend)
    env.pop("HEARTH_EMBED_MODEL", None)
    if model is not None:
        env["HEARTH_EMBED_MODEL"] = str(model)
    dist = work / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    run([python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", dist, "--workpath", work / "pyinstaller", SPEC], env=env, cwd=work)
    return dist / ("Hearth.app" if MACOS else "hearth")


def executable_in(bundle: Path) -> Path:
    if bundle.suffix == ".app":
        return bundle / "Contents" / "MacOS" / "hearth"
    return bundle / ("hearth.exe" if WINDOWS else "hearth")


def defaults_in(bundle: Path) -> Path:
    if bundle.suffix == ".app":
        return bundle / "Contents" / "Resources" / "hearth-defaults.toml"
    return bundle / "_internal" / "hearth-defaults.toml"


# Libraries of the GPU driver: they must come from the machine the bundle runs on, never with it.
_DRIVER_LIBRARIES = re.compile(r"^lib(cuda|nvidia-.*|vulkan)\.so")


def check_llama_libraries(bundle: Path) -> None:
    """Every library llama.cpp's modules link to is in the bundle (Linux; ldd).

    With GGML_BACKEND_DL a GPU backend whose libraries are missing (cuBLAS not found at build
    time, say) does not fail: ggml quietly skips it and the bundle runs on the CPU. So look.
    """
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return
    internal = bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=str(internal))
    missing: set[str] = set()
    for library in sorted((internal / "llama_cpp" / "lib").glob("*.so*")):
        listing = run(["ldd", library], env=env, capture=True)
        for line in listing.splitlines():
            name, _, where = line.strip().partition(" => ")
            if where.startswith("not found") and not _DRIVER_LIBRARIES.match(name):
                missing.add(f"{name} (needed by {library.name})")
    if missing:
        raise BuildError("llama.cpp libraries need what the bundle lacks (for CUDA: put the "
                         "toolkit's lib64 on LD_LIBRARY_PATH for the build):\n  "
                         + "\n  ".join(sorted(missing)))


def smoke_test(bundle: Path, work: Path) -> None:
    """The bundle starts, and says it is in offline mode, with settings of its own."""
    check_llama_libraries(bundle)
    home = work / "smoke"
    shutil.rmtree(home, ignore_errors=True)
    env = dict(os.environ, HEARTH_CONFIG_DIR=str(home / "config"),
               HEARTH_DATA_DIR=str(home / "data"))
    exe = executable_in(bundle)
    print(run([exe, "--version"], env=env, capture=True).strip())
    said = run([exe, "config", "get", "network.offline"], env=env, capture=True).strip()
    offline = said.splitlines()[-1] if said else ""
    if offline != "true":
        raise BuildError(f"the bundle does not default to offline mode (network.offline = "
                         f"{offline!r}); is {defaults_in(bundle)} there?")


# -- step 5: archive and checksums -------------------------------------------------------------


def bundle_path(out: Path, name: str) -> Path:
    """Where the finished bundle lies: ``out/<name>`` (``out/<name>/Hearth.app`` on macOS)."""
    return out / name / "Hearth.app" if MACOS else out / name


def make_archive(bundle: Path, out: Path, name: str) -> Path:
    """The bundle under ``out/<name>`` and its archive ``out/<name>.tar.gz`` (``.zip``)."""
    final = out / name
    shutil.rmtree(final, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    if bundle.suffix == ".app":
        final.mkdir()
        shutil.move(str(bundle), final / bundle.name)
    else:
        shutil.move(str(bundle), final)
    readable_by_all(final)
    if WINDOWS:
        archive = out / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted(final.rglob("*")):
                zf.write(path, Path(final.name) / path.relative_to(final))
        return archive
    archive = out / f"{name}.tar.gz"
    tmp = archive.with_name(archive.name + ".tmp")
    # Symbolic links stay links (the .app's Qt frameworks and the llama.cpp sonames use them).
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        tar.add(final, arcname=final.name, filter=_anonymous)
    os.replace(tmp, archive)
    return archive


def readable_by_all(folder: Path) -> None:
    """An install in /opt or /Applications is run by other users: no file may be owner-only.

    (A model written by a tool that creates private files, mode 0600, would otherwise be
    unreadable to everyone but the user who built the bundle.)
    """
    if WINDOWS:
        return
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        wanted = mode | 0o444 | (0o111 if path.is_dir() or mode & 0o100 else 0)
        if wanted != mode:
            path.chmod(wanted)


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Archive members owned by nobody in particular (the builder's name is not shipped)."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


# -- step 6: offline wheelhouse ----------------------------------------------------------------


def wheelhouse_wheel(args: argparse.Namespace, work: Path, bundle_wheel: Path) -> Path:
    """The llama-cpp-python wheel for pip installs.

    A GGML_BACKEND_DL build only works where something loads its backends from its own folder,
    as the bundle's runtime hook does: in a plain venv, ggml looks next to the Python executable
    and in the current folder, finds no CPU backend and fails. pip installs get a build with the
    backends linked in (portable, so for x86-64 it needs AVX2/FMA/F16C: Intel Haswell, AMD Zen
    or later).
    """
    if not loads_backends_itself(bundle_wheel):
        return bundle_wheel
    if args.reuse_wheel or args.llama_from_venv:
        raise BuildError(f"{bundle_wheel.name} is a GGML_BACKEND_DL build, which does not work "
                         "in a pip install; build the wheelhouse without --reuse-wheel or "
                         "--llama-from-venv")
    cmake = cmake_args(args.backend, cuda_architectures=args.cuda_arch, extra=args.cmake_arg)
    linked = [a for a in cmake if a not in ("-DGGML_BACKEND_DL=ON", "-DGGML_CPU_ALL_VARIANTS=ON")]
    return compile_wheel(args, work, linked)


def make_wheelhouse(python: Path, wheel: Path, source: Path, out: Path) -> Path:
    house = out / "wheelhouse"
    shutil.rmtree(house, ignore_errors=True)
    house.mkdir(parents=True)
    run([python, "-m", "pip", "wheel", "--quiet", "--wheel-dir", house, wheel, source])
    pins = []
    for found in sorted(house.glob("*.whl")):
        distribution, version = found.name.split("-")[:2]
        pins.append(f"{distribution}=={version}")
    (house / "requirements.txt").write_text(
        "# pip install --no-index --find-links wheelhouse -r wheelhouse/requirements.txt\n"
        + "\n".join(pins) + "\n", encoding="utf-8")
    write_sha256sums(house, [p.name for p in house.glob("*.whl")] + ["requirements.txt"])
    return house


# -- the command -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python packaging/build.py",
        description="Build llama.cpp for a backend, the Hearth bundle, its archive and SHA256SUMS.")
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--model", metavar="PATH", type=Path,
                        help="a GGUF model to embed; the bundle uses it on first start")
    parser.add_argument("--wheelhouse", action="store_true",
                        help="also write wheelhouse/: every wheel for an offline pip install")
    parser.add_argument("--out", metavar="DIR", type=Path, default=ROOT / "dist",
                        help="where the bundle, the archive and SHA256SUMS go (default: dist/)")
    parser.add_argument("--work", metavar="DIR", type=Path, default=ROOT / "build" / "packaging",
                        help="build venvs, wheels and PyInstaller's work files "
                             "(default: build/packaging/)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--reuse-wheel", metavar="WHEEL",
                        help="a llama-cpp-python wheel built before: skip the compile")
    source.add_argument("--llama-from-venv", metavar="VENV",
                        help="pack the llama-cpp-python installed in this venv into the bundle "
                             "(its build options, e.g. -march=native, come along)")
    source.add_argument("--llama-source", metavar="SDIST",
                        help="build from this sdist or folder instead of downloading "
                             + LLAMA_CPP_PYTHON)
    parser.add_argument("--cuda-arch", metavar="LIST", default=DEFAULT_CUDA_ARCHITECTURES,
                        help="CMAKE_CUDA_ARCHITECTURES for --backend cuda "
                             f"(default: {DEFAULT_CUDA_ARCHITECTURES})")
    parser.add_argument("--cmake-arg", metavar="ARG", action="append", default=[],
                        help="one more CMake option for llama.cpp (repeatable)")
    parser.add_argument("--jobs", metavar="N", type=int, default=0,
                        help="parallel compile jobs (default: CMAKE_BUILD_PARALLEL_LEVEL or all "
                             "CPUs)")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the build venv and PyInstaller's work files (the wheels are "
                             "always kept for the next run)")
    parser.add_argument("--name", metavar="NAME",
                        help="bundle and archive name (default: hearth-VERSION-OS-ARCH-BACKEND)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    timer = Timer()
    started = time.monotonic()
    try:
        check_backend(args.backend)
        work, out = args.work.resolve(), args.out.resolve()
        model = args.model.resolve() if args.model else None
        if model is not None and not model.is_file():
            raise BuildError(f"--model {model}: no such file")
        name = args.name or f"hearth-{hearth_version()}-{platform_tag()}-{args.backend}"
        with timer.step("wheel"):
            wheel = build_wheel(args, work)
            house_wheel = wheelhouse_wheel(args, work, wheel) if args.wheelhouse else None
        with timer.step("venv"):
            source = stage_sources(work)
            python = make_venv(work, args.backend, wheel, source)
            check_imports(python)
            if model is not None:
                check_model(python, model)
        with timer.step("pyinstaller"):
            bundle = run_pyinstaller(python, work, args.backend, model)
        with timer.step("smoke"):
            smoke_test(bundle, work)
        with timer.step("archive"):
            archive = make_archive(bundle, out, name)
            sums = write_sha256sums(out, [archive.name])
        if house_wheel is not None:
            with timer.step("wheelhouse"):
                house = make_wheelhouse(python, house_wheel, source, out)
        if not args.keep_work:
            with timer.step("cleanup"):
                for leftover in (f"venv-{args.backend}", "pyinstaller", "smoke", "dist", "src"):
                    shutil.rmtree(work / leftover, ignore_errors=True)
    except BuildError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    bundle_dir = bundle_path(out, name)
    summary = {
        "bundle": str(bundle_dir),
        "archive": str(archive),
        "sha256sums": str(sums),
        "bundle_bytes": folder_size(bundle_dir),
        "archive_bytes": archive.stat().st_size,
        "seconds": {**timer.steps, "total": round(time.monotonic() - started, 1)},
    }
    if args.wheelhouse:
        summary["wheelhouse"] = str(house)
    (out / f"{name}.build.json").write_text(json.dumps(summary, indent=2) + "\n",
                                             encoding="utf-8")
    print("\n" + json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
