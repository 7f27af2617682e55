"""``hearth serve``: the gateway on uvicorn, over the same core objects the window uses."""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

import uvicorn  # this module is imported by ``desktop.server.serve`` only, when serving

from desktop.core.assistant import ClientTurns
from desktop.core.cloud import KeyStore
from desktop.core.errors import ConfigError, KnownError
from desktop.core.local.slot import ModelSlot
from desktop.core.netguard import is_loopback
from desktop.core.services import open_services
from desktop.core.settings import Settings
from desktop.server._app import Gateway, GatewayLimits, create_app
from desktop.server._embeddings import EmbeddingSlot
from desktop.server._queue import TurnQueue
from desktop.server._token import ServerToken

_LOG = logging.getLogger("hearth.server")


@dataclass(frozen=True, kw_only=True)
class ServeOptions:
    """Where to listen. A non-loopback ``host`` needs ``allow_network`` (and the token, which
    every request needs anyway)."""

    host: str = "127.0.0.1"
    port: int | None = None  # None: the setting server.port
    allow_network: bool = False


def check_address(host: str, allow_network: bool) -> None:
    if not is_loopback(host) and not allow_network:
        raise ConfigError(f"{host} is reachable from other computers; the server listens on "
                          "this computer only (127.0.0.1) unless you pass --allow-network")


def serve(options: ServeOptions, *, settings: Settings | None = None,
          keys: KeyStore | None = None,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl+C or SIGTERM); ``on_ready`` hears the base URL."""
    check_address(options.host, options.allow_network)
    services = open_services(settings, keys=keys)
    settings = services.settings
    port = options.port if options.port is not None else settings.get_int("server.port")
    try:
        token = ServerToken(keys).get_or_create()
        _preload(services.models)
        queue = TurnQueue(limit=settings.get_int("server.queue_size"))
        limits = GatewayLimits(max_body_bytes=settings.get_int("server.max_request_kb") * 1024,
                               max_prompt_chars=settings.get_int("server.max_prompt_chars"))
        origins = tuple(o.strip() for o in settings.get_str("server.cors_origins").split(",")
                        if o.strip())
        embeddings = EmbeddingSlot(settings)
        gateway = Gateway(ClientTurns(services.assistant), services.conversations, token,
                          limits, queue, embeddings)
        app = create_app(gateway, cors_origins=origins)
        config = uvicorn.Config(app, host=options.host, port=port, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=2, lifespan="off")
        server = _Server(config, on_ready)
        try:
            server.run()
        except SystemExit:
            # uvicorn exits when it cannot bind (after logging the OS's reason); say it once,
            # as every other known problem is said.
            if server.started:
                raise
        finally:
            queue.close()
            embeddings.close()
        if not server.started:
            raise KnownError(f"could not listen on {options.host}:{port} (in use by another "
                             "program? choose another with --port)")
    finally:
        services.close()


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class _Server(uvicorn.Server):
    """uvicorn's server, telling ``on_ready`` the base URL once it listens."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self._on_ready is not None:
            port = self.servers[0].sockets[0].getsockname()[1] if self.servers else \
                self.config.port
            self._on_ready(base_url(self.config.host, port))

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # SIGTERM (a service manager's "stop") ends the server normally: exit status 0 and
        # the "stopped" line, instead of uvicorn raising the signal again after shutting down.
        if sig == signal.SIGTERM:
            self._captured_signals = [s for s in self._captured_signals if s != sig]


def _preload(models: ModelSlot) -> None:
    """Load the local model now, so the first request's time to first token is the model's,
    not the load's; without one the server still starts (local requests get 503)."""
    try:
        models.engine()
    except KnownError as exc:
        _LOG.warning("the local model is not loaded: %s", exc)
