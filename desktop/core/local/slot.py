"""Keeps at most one model loaded, and loads the configured one when it is first needed."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import cast

from desktop.core.errors import KnownError
from desktop.core.local._values import FlashAttentionChoice, KvCacheType, RepackChoice
from desktop.core.local.engine import EngineConfig, LocalEngine
from desktop.core.settings import Settings

_ENGINE_KEYS = ("local.model_path", "local.context_size", "local.threads", "local.gpu_layers",
                "local.batch_size", "local.repack", "local.kv_cache_type",
                "local.flash_attention")


class NoModelError(KnownError):
    """No model file is configured yet."""


class ModelSlot:
    """The engine for the configured model; reloads when the model or its load settings change."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._engine: LocalEngine | None = None
        self._lock = threading.Lock()

    def config(self, model_path: Path | None = None) -> EngineConfig:
        path = model_path or Path(self._settings.get_str("local.model_path")).expanduser()
        if not str(path) or str(path) == ".":
            raise NoModelError("no model chosen yet: pass --model PATH or run "
                               "'hearth config set local.model_path /path/to/model.gguf'")
        return EngineConfig(
            model_path=path,
            context_size=self._settings.get_int("local.context_size"),
            threads=self._settings.get_int("local.threads"),
            gpu_layers=self._settings.get_int("local.gpu_layers"),
            batch_size=self._settings.get_int("local.batch_size"),
            # The schema's choices are these literals (a test keeps them equal).
            repack=cast(RepackChoice, self._settings.get_str("local.repack")),
            kv_cache_type=cast(KvCacheType, self._settings.get_str("local.kv_cache_type")),
            flash_attention=cast(FlashAttentionChoice,
                                 self._settings.get_str("local.flash_attention")),
            prompt_lookup=self._settings.get_bool("local.prompt_lookup"),
        )

    def engine(self, model_path: Path | None = None) -> LocalEngine:
        """The loaded engine for ``model_path`` (default: the configured one), loading if needed.

        An engine whose process crashed is restarted here (a file that keeps crashing it raises
        ``ModelLoadError`` instead).
        """
        wanted = self.config(model_path)
        with self._lock:
            loaded = self._engine
            if loaded is not None and dataclasses.replace(
                    wanted, prompt_lookup=loaded.config.prompt_lookup) == loaded.config:
                loaded.config = wanted  # prompt lookup applies from the next answer on
                if not loaded.alive:
                    loaded.restart()
                return loaded
            self._unload()
            self._engine = LocalEngine.load(wanted)
            return self._engine

    @property
    def loaded(self) -> LocalEngine | None:
        return self._engine

    def close(self) -> None:
        with self._lock:
            self._unload()

    def _unload(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    @staticmethod
    def affects_engine(key: str) -> bool:
        return key in _ENGINE_KEYS
