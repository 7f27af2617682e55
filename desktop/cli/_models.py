"""``hearth models list | catalog | download | import | remove | use | manifest | verify |
recommend | hardware``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from desktop import __version__
from desktop.core.catalog import (
    CatalogEntry,
    DownloadCancelled,
    DownloadProgress,
    ModelRecord,
    ModelRegistry,
    format_bytes,
    import_model,
    install_catalog_model,
    load_catalog,
    mirrored_url,
    models_dir,
    recommend_model,
    verify_manifest,
    write_manifest,
)
from desktop.core.errors import ConfigError, KnownError
from desktop.core.settings import Settings

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_FAILED = 3
EXIT_INTERRUPTED = 130


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    for problem in settings.problems:
        print(f"hearth: warning: {problem}", file=sys.stderr)
    action = args.action
    if action in ("manifest", "verify"):
        return _manifest(args) if action == "manifest" else _verify(args)
    if action in ("recommend", "hardware"):
        return _recommend(args, settings) if action == "recommend" else _hardware(args, settings)
    registry = ModelRegistry()
    for problem in registry.problems:
        print(f"hearth: warning: {problem}", file=sys.stderr)
    handlers = {"list": _list, "catalog": _catalog, "download": _download, "import": _import,
                "remove": _remove, "use": _use}
    return handlers[action](args, settings, registry)


# -- what is there -----------------------------------------------------------------------------


def _list(args: argparse.Namespace, settings: Settings, registry: ModelRegistry) -> int:
    current = _configured(settings)
    records = registry.records()
    if args.json:
        print(json.dumps([_record_json(r, r.path == current) for r in records], indent=2))
        return EXIT_OK
    if not records:
        print("No models yet: 'hearth models catalog' lists some to download, and "
              "'hearth models import PATH' adds a GGUF file you have.")
        return EXIT_OK
    for record in records:
        marker = "*" if current is not None and record.path == current else " "
        where = "copy in the models folder" if record.owned else "used in place"
        if record.source == "catalog":
            where = "downloaded"
        missing = "" if record.path.is_file() else "  [file missing]"
        print(f"{marker} {record.name}  {format_bytes(record.size)}  {where}{missing}")
        print(f"    {record.path}")
        if record.sha256:
            print(f"    sha256 {record.sha256}")
    print("\n* the model answering now (local.model_path)")
    return EXIT_OK


def _catalog(args: argparse.Namespace, settings: Settings, registry: ModelRegistry) -> int:
    catalog = load_catalog()
    for problem in catalog.problems:
        print(f"hearth: warning: {problem}", file=sys.stderr)
    context = settings.get_int("local.context_size")
    installed = {r.catalog_id for r in registry.records() if r.catalog_id}
    if args.json:
        print(json.dumps({
            "checked": catalog.checked.isoformat() if catalog.checked else None,
            "context": context,
            "models": [_entry_json(e, context, e.id in installed) for e in catalog],
        }, indent=2))
        return EXIT_OK
    for entry in catalog:
        need = entry.memory_needed(context)
        memory = f"needs ~{format_bytes(need)}" if need is not None else "memory need unknown"
        size = format_bytes(entry.size_estimate) if entry.size_estimate else "size unknown"
        done = "  [downloaded]" if entry.id in installed else ""
        print(f"{entry.id}{done}")
        print(f"    {entry.name}, {entry.parameters or '?'} parameters, {entry.quantization}, "
              f"{size}, {memory}")
        context_note = f"{entry.context_length:,}" if entry.context_length else "unknown"
        print(f"    licence: {entry.licence}; trained context: {context_note} tokens")
        if entry.description:
            print(f"    {entry.description}")
    checked = catalog.checked.isoformat() if catalog.checked else "unknown"
    print(f"\nMemory need = file + KV cache at local.context_size = {context} tokens. "
          f"Facts checked {checked}; see models/CATALOG.md.")
    return EXIT_OK


# -- getting models ----------------------------------------------------------------------------


def _download(args: argparse.Namespace, settings: Settings, registry: ModelRegistry) -> int:
    import httpx

    entry = load_catalog().get(args.id)
    mirror = str(_setting(settings, "models.mirror_url", ""))
    url = mirrored_url(entry.url, mirror)
    offline = bool(_setting(settings, "network.offline", False))
    if not offline:
        _describe_download(entry, url, settings)
        if not args.yes and not _confirm():
            print("Nothing downloaded.")
            return EXIT_OK if sys.stdin.isatty() else EXIT_USAGE
    if args.accept_new_checksum:
        registry.forget_trust(entry.id)
    meter = _ProgressLine(sys.stderr)
    client = httpx.Client(follow_redirects=True, timeout=httpx.Timeout(30.0, read=120.0),
                          headers={"User-Agent": f"hearth/{__version__}"})
    try:
        result = install_catalog_model(entry, client=client, offline=offline, mirror_url=mirror,
                                       registry=registry, on_progress=meter.update)
    except DownloadCancelled as exc:
        meter.finish()
        print(f"hearth: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        meter.finish()
        print("hearth: download interrupted; what arrived is kept, run the same command again "
              "to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        client.close()
    meter.finish()
    record = result.record
    if result.already_installed:
        print(f"{entry.name} is already downloaded: {record.path}")
    else:
        print(f"Downloaded {entry.name} ({format_bytes(record.size)}) to {record.path}")
        note = {"catalog": "matches the catalog",
                "first download": "first download: recorded, later downloads must match it",
                "recorded at first download": "matches the first download"}[result.checksum]
        print(f"SHA-256 {record.sha256} ({note})")
    print(f"Answer with it: hearth models use {record.name}")
    return EXIT_OK


def _describe_download(entry: CatalogEntry, url: str, settings: Settings) -> None:
    need = entry.memory_needed(settings.get_int("local.context_size"))
    size = format_bytes(entry.size_estimate) if entry.size_estimate else "unknown size"
    print(f"{entry.name} ({entry.quantization}, {size})")
    print(f"  from    {url}")
    print(f"  licence {entry.licence}" + (f" - {entry.licence_url}" if entry.licence_url else ""))
    if need is not None:
        print(f"  needs about {format_bytes(need)} of memory to run")
    if entry.note:
        print(f"  note    {entry.note}")


def _confirm() -> bool:
    if not sys.stdin.isatty():
        print("hearth: not a terminal, so not asking: add --yes to download", file=sys.stderr)
        return False
    try:
        answer = input("Download it? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _import(args: argparse.Namespace, settings: Settings, registry: ModelRegistry) -> int:
    print(f"Checking {args.path} (header, then a trial load in a separate process)…",
          file=sys.stderr)
    record = import_model(args.path, copy=args.copy, name=args.name, registry=registry)
    how = f"copied to {record.path}" if record.owned else f"used in place at {record.path}"
    print(f"Imported {record.name!r} ({format_bytes(record.size)}), {how}")
    if record.sha256:
        print(f"SHA-256 {record.sha256}")
    print(f"Answer with it: hearth models use {record.name}")
    return EXIT_OK


def _remove(args: argparse.Namespace, settings: Settings, registry: ModelRegistry) -> int:
    record = registry.remove(args.name)
    if record.owned and _inside(record.path, models_dir()):
        try:
            record.path.unlink(missing_ok=True)
        except OSError as exc:
            print(f"hearth: warning: could not delete {record.path}: {exc.strerror}",
                  file=sys.stderr)
        else:
            print(f"Removed {record.name!r} and deleted {record.path}")
    else:
        print(f"Removed {record.name!r}; the file stays where it is: {record.path}")
    if _configured(settings) == record.path:
        settings.set("local.model_path", "")
        print("It was the model answering now; choose another with 'hearth models use NAME'.")
    return EXIT_OK


def _use(args: argparse.Namespace, settings: Settings, registry: ModelRegistry) -> int:
    record = registry.get(args.name)
    if not record.path.is_file():
        raise KnownError(f"the file of {record.name!r} is missing: {record.path}; remove it "
                         "with 'hearth models remove' and add it again")
    entry = next((e for e in load_catalog().entries if e.id == record.catalog_id), None)
    if entry is not None and entry.kind != "chat":
        raise KnownError(f"{record.name!r} is an embedding model for document search and cannot "
                         "answer questions; set it for documents with 'hearth config set "
                         f"documents.embedding_model {record.name}'")
    settings.set("local.model_path", str(record.path))
    print(f"local.model_path = {record.path}")
    return EXIT_OK


# -- folders across an air gap -----------------------------------------------------------------


def _manifest(args: argparse.Namespace) -> int:
    target, count = write_manifest(args.folder)
    print(f"Wrote {count} checksum(s) to {target}")
    print(f"Check them on arrival with: hearth models verify {args.folder}  "
          "(or: sha256sum -c SHA256SUMS)")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    report = verify_manifest(args.folder)
    for name in report.mismatched:
        print(f"MISMATCH  {name}")
    for name in report.missing:
        print(f"MISSING   {name}")
    for name in report.unlisted:
        print(f"unlisted  {name}  (not in SHA256SUMS, not checked)")
    if report.ok:
        print(f"OK: all {len(report.matched)} file(s) match SHA256SUMS")
        return EXIT_OK
    print(f"hearth: error: {len(report.mismatched)} file(s) differ and {len(report.missing)} "
          f"are missing in {report.folder}", file=sys.stderr)
    return EXIT_FAILED


# -- this computer -----------------------------------------------------------------------------


def _recommend(args: argparse.Namespace, settings: Settings) -> int:
    from desktop.core.local.hardware import detect_hardware

    context = settings.get_int("local.context_size")
    catalog = load_catalog()
    hardware = detect_hardware()
    advice = recommend_model(catalog, hardware, context=context)
    entry = advice.entry
    if args.json:
        print(json.dumps({"id": entry.id if entry else None, "reason": advice.reason,
                          "memory_needed": advice.memory_needed, "budget": advice.budget,
                          "fits_gpu": advice.fits_gpu, "backend": hardware.backend,
                          "cpu_cores": hardware.cpu_cores, "tokens_per_s": advice.tokens_per_s,
                          "speed_basis": advice.speed_basis},
                         indent=2))
        return EXIT_OK
    if entry is None:
        print(f"No recommendation: {advice.reason}")
        return EXIT_OK
    print(f"Recommended: {entry.name} ({entry.id})")
    print(f"  {advice.reason}")
    print(f"  licence: {entry.licence}")
    print(f"Download it with: hearth models download {entry.id}")
    return EXIT_OK


def _hardware(args: argparse.Namespace, settings: Settings) -> int:
    from desktop.core.local.gguf_file import inspect_gguf
    from desktop.core.local.hardware import describe, detect_hardware, plan_gpu_layers

    hardware = detect_hardware()
    for line in describe(hardware):
        print(line)
    model = Path(args.model).expanduser() if args.model else _configured(settings)
    if model is None:
        return EXIT_OK
    context = settings.get_int("local.context_size")
    plan = plan_gpu_layers(inspect_gguf(model), hardware, context_size=context)
    total = f" of {plan.total}" if plan.total else ""
    layers = "all" if plan.layers < 0 else f"{plan.layers}{total}"
    print(f"GPU layers that fit for {model.name}: {layers} ({plan.reason})")
    print(f"local.gpu_layers is {settings.get_int('local.gpu_layers')} "
          "(-1 all, 0 CPU only); the status bar shows what llama.cpp actually offloaded")
    return EXIT_OK


# -- helpers -----------------------------------------------------------------------------------


class _ProgressLine:
    """One line on a terminal's standard error, rewritten about five times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.shown = False
        self.started = time.monotonic()

    def update(self, progress: DownloadProgress) -> None:
        if not self.live:
            return
        total = f" / {format_bytes(progress.total)}" if progress.total else ""
        percent = f" {progress.fraction:.0%}" if progress.fraction is not None else ""
        speed = f"  {format_bytes(progress.bytes_per_s)}/s" if progress.bytes_per_s else ""
        eta = f"  {_duration(progress.eta_s)} left" if progress.eta_s is not None else ""
        line = f"{format_bytes(progress.done)}{total}{percent}{speed}{eta}"
        self.stream.write(f"\r{line:<70}")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
    if whole >= 60:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole} s"


def _setting(settings: Settings, key: str, default: object) -> object:
    """A setting that may not exist in every version of the schema."""
    try:
        return settings.get(key)
    except ConfigError:
        return default


def _configured(settings: Settings) -> Path | None:
    value = settings.get_str("local.model_path")
    return Path(value).expanduser() if value.strip() else None


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _record_json(record: ModelRecord, current: bool) -> dict[str, object]:
    return {"name": record.name, "path": str(record.path), "size": record.size,
            "sha256": record.sha256, "source": record.source, "added": record.added,
            "copied": record.owned, "catalog_id": record.catalog_id, "in_use": current,
            "file_present": record.path.is_file()}


def _entry_json(entry: CatalogEntry, context: int, installed: bool) -> dict[str, object]:
    return {"id": entry.id, "name": entry.name, "url": entry.url, "file": entry.file,
            "quantization": entry.quantization, "licence": entry.licence,
            "licence_url": entry.licence_url, "size_bytes": entry.size_bytes,
            "listed_size_mb": entry.listed_size_mb, "sha256": entry.sha256,
            "parameters": entry.parameters, "context_length": entry.context_length,
            "memory_needed": entry.memory_needed(context), "downloaded": installed,
            "sources": list(entry.sources), "note": entry.note, "kind": entry.kind,
            "description": entry.description}
