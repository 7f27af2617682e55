"""One streaming chat over httpx for every wire format: timeouts, retries, SSE, stop, usage.

Besides httpx's connect and read timeouts, every attempt runs under an idle deadline, a total
deadline and a local cap at ``max_tokens`` (``_limits`` says what counts toward each).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import httpx

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.cloud import _failures
from desktop.core.cloud._exchange import END, Exchange
from desktop.core.cloud._limits import Deadlines, Progress, over_cap
from desktop.core.cloud._retry import RetryPolicy, server_wait
from desktop.core.cloud._sse import Comment, EventParser
from desktop.core.cloud._types import (
    CloudAnswer,
    Dialect,
    EventReader,
    FinishReason,
    MalformedStream,
    RequestSink,
    StreamFailed,
    TextSink,
    Tier,
)
from desktop.core.cloud._wire import estimate_tokens
from desktop.core.cloud.errors import (
    CloudAuthError,
    CloudConfigError,
    CloudError,
    InvalidKeyError,
)
from desktop.core.cloud.keys import validate_key
from desktop.core.cloud.refusals import RefusedKeys
from desktop.core.netguard import OfflineBlocked

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]

_BODY_CHUNK = 64 * 1024
_ERROR_BODY_LIMIT = 64 * 1024
_STOP_POLL_S = 0.05  # how often a wait looks at the stop signal and the deadlines


class _Stopped:
    """The stop signal was set while waiting for the network."""


_STOPPED = _Stopped()


class StreamingProvider:
    """A cloud tier that speaks one ``Dialect`` over HTTPS and streams server-sent events.

    ``transport`` replaces httpx's network transport (tests); ``sleep`` replaces the wait
    between retries (tests record it instead of waiting; by default the wait ends early when
    the stop signal is set). TLS certificates are always verified. ``idle_timeout_s`` and
    ``total_timeout_s`` are the deadlines the module docstring describes.
    """

    def __init__(self, dialect: Dialect, *, tier: Tier, base_url: str, model: str,
                 api_key: str | None = None, connect_timeout_s: float = 10.0,
                 read_timeout_s: float = 60.0, idle_timeout_s: float = 60.0,
                 total_timeout_s: float = 600.0, retry: RetryPolicy | None = None,
                 transport: httpx.BaseTransport | None = None, sleep: Sleep | None = None,
                 rng: random.Random | None = None, refusals: RefusedKeys | None = None) -> None:
        self.provider = dialect.provider
        self._refusals = refusals  # remembers a refused key; None: remembers nothing
        self.model = model
        self.tier: Tier = tier
        self.host = host_of(httpx.URL(base_url))
        self._dialect = dialect
        self._url = dialect.url(base_url, model)
        try:
            self._key = None if api_key is None else validate_key(api_key)
        except InvalidKeyError:
            raise CloudConfigError(
                f"the stored {dialect.key_account} key cannot be right (spaces, control or "
                f"non-ASCII characters); set it again with "
                f"'hearth keys set {dialect.key_account}'",
                reason=f"{tier} tier not configured (unusable {dialect.key_account} key)",
            ) from None
        self._headers = {
            "content-type": "application/json",
            "accept": "text/event-stream",
            "cache-control": "no-store",
            **dialect.headers(self._key),
        }
        self._timeouts = (connect_timeout_s, read_timeout_s)
        self._idle_s, self._total_s = idle_timeout_s, total_timeout_s
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._transport = transport
        # Made on the first request: an httpx client loads the TLS trust store (~20 ms), and
        # the router builds providers just to learn whether a tier is configured.
        self._client: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.tier} {self.provider} {self.model} at {self.host}>"

    def __enter__(self) -> StreamingProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            connect_s, read_s = self._timeouts
            self._client = httpx.Client(
                transport=self._transport, follow_redirects=False,
                timeout=httpx.Timeout(read_s, connect=connect_s),
                # No idle connections: each request gets a socket of its own, which a stop or
                # a deadline can shut down whatever the request is doing (see _exchange).
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._client

    # -- one answer ------------------------------------------------------------------------

    def request_body(self, messages: Sequence[ChatMessage], params: GenerationParams) -> bytes:
        """The exact bytes sent as the body of each request for ``messages``."""
        return json.dumps(self._dialect.body(messages, params, self.model),
                          ensure_ascii=False).encode("utf-8")

    def chat(self, messages: Sequence[ChatMessage], params: GenerationParams, *,
             on_text: TextSink, stop: StopSignal | None = None,
             on_request: RequestSink | None = None) -> CloudAnswer:
        """Stream an answer to ``messages`` (the last one is the question) into ``on_text``.

        Rate limits and server errors are retried with backoff, but never once text reached
        ``on_text`` (it would be shown twice), nor past the total deadline. A ``CloudError``
        carries the text shown so far and the attempt's usage (see ``errors.CloudError``).
        ``stop`` is noticed within 50 ms at any moment (connecting, waiting for the first
        byte, mid-stream, during a backoff); the request's connection is then shut down.
        ``on_request`` hears the body before every request, retries included.
        """
        stop = stop or StopSignal()
        run = _Run(started=time.perf_counter(), total_end=time.monotonic() + self._total_s,
                   prompt_chars=sum(len(m.content) for m in messages))
        body = self.request_body(messages, params)
        retries = 0
        while True:
            if stop.is_set():
                return self._answer(run, "cancelled")
            if on_request is not None:
                on_request(body)
            run.attempts += 1
            try:
                finish = self._attempt(body, run, params, on_text, stop)
            except CloudError as exc:
                if stop.is_set():  # asked to stop: what broke no longer matters
                    return self._answer(run, "cancelled")
                self._describe(exc, run)
                delay = None
                if exc.retryable and not run.pieces and retries < self._retry.max_retries:
                    delay = self._retry.delay(retries, exc.retry_after_s, self._rng)
                if delay is None or time.monotonic() + delay >= run.total_end:
                    if isinstance(exc, CloudAuthError) and self._refusals is not None:
                        self._refusals.note(self._dialect.key_account, status=exc.status,
                                            host=self.host)
                    raise
                retries += 1
                log.info("%s tier: %s; retry %d of %d in %.1f s", self.tier, exc.reason,
                         retries, self._retry.max_retries, delay)
                self._wait(delay, stop)
                continue
            if self._refusals is not None:  # the key works (again): offer its tier
                self._refusals.forget(self._dialect.key_account)
            return self._answer(run, finish)

    def _attempt(self, body: bytes, run: _Run, params: GenerationParams, on_text: TextSink,
                 stop: StopSignal) -> FinishReason:
        headers = {**self._headers, "content-length": str(len(body))}
        run.reader, run.refused = None, False  # usage belongs to the attempt that streams
        watch = Deadlines(idle_s=self._idle_s, total_s=self._total_s, total_end=run.total_end)
        exchange = Exchange(self._http(), self._url, headers=headers, body=body,
                            chunk_size=_BODY_CHUNK)
        exchange.start()
        try:
            response = self._next(exchange, stop, watch)
            if isinstance(response, _Stopped):  # stopped before the provider answered
                return "cancelled"
            if not isinstance(response, httpx.Response):
                raise TypeError(f"expected the response first, got {type(response).__name__}")
            if response.status_code >= 300:
                run.refused = True
                raise self._http_error(response, exchange, stop, watch)
            return self._read(response, exchange, run, params, on_text, stop, watch)
        except OfflineBlocked as exc:  # the offline guard refused the connection or lookup
            raise self._fail(_failures.offline(str(exc))) from exc
        except httpx.LocalProtocolError:
            # Its message can quote a request header, and so the key: keep it out entirely.
            raise self._fail(_failures.local_protocol()) from None
        except httpx.HTTPError as exc:
            raise self._fail(_failures.transport(exc, self._timeouts)) from exc
        finally:
            exchange.close()  # shuts the connection if it is still open: stop reading
            run.bytes_sent += exchange.sent

    def _next(self, exchange: Exchange, stop: StopSignal,
              watch: Deadlines) -> httpx.Response | bytes | object:
        """What the exchange delivers next, ``_STOPPED``, or a CloudTimeout at a deadline."""
        while True:
            if stop.is_set():
                return _STOPPED
            now = time.monotonic()
            expired = watch.expired(now)
            if expired is not None:
                raise self._fail(expired, during=True)
            item = exchange.get(min(_STOP_POLL_S, watch.left(now)))
            if item is not None:
                return item

    def _read(self, response: httpx.Response, exchange: Exchange, run: _Run,
              params: GenerationParams, on_text: TextSink, stop: StopSignal,
              watch: Deadlines) -> FinishReason:
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raise self._fail(_failures.not_a_stream(content_type.partition(";")[0]))
        reader = run.reader = self._dialect.reader()
        parser = EventParser()
        while True:
            chunk = self._next(exchange, stop, watch)
            if isinstance(chunk, _Stopped):
                return "cancelled"
            if chunk is END:
                break
            if not isinstance(chunk, bytes):
                raise TypeError(f"expected body bytes, got {type(chunk).__name__}")
            for item in parser.feed(chunk):
                if isinstance(item, Comment):
                    watch.keepalive()
                    continue
                before = Progress.of(reader)
                try:
                    text = reader.feed(item)
                except StreamFailed as failed:
                    raise self._fail(_failures.from_detail(failed.detail), during=True) \
                        from None
                except MalformedStream as bad:
                    raise self._fail(_failures.malformed(str(bad))) from None
                if text:
                    run.deliver(text, on_text)
                if text or Progress.of(reader) != before:
                    watch.progress()
                else:
                    watch.keepalive()
                if stop.is_set():
                    return "cancelled"
                if reader.finish is None and over_cap(reader, run.chars, params.max_tokens):
                    log.info("%s tier: %s kept streaming past max_tokens=%d; cut off",
                             self.tier, self.host, params.max_tokens)
                    return "length"
        if reader.finish is None:
            raise self._fail(_failures.ended_early())
        return reader.finish

    # -- failures --------------------------------------------------------------------------

    def _http_error(self, response: httpx.Response, exchange: Exchange, stop: StopSignal,
                    watch: Deadlines) -> CloudError:
        raw = bytearray()
        while len(raw) < _ERROR_BODY_LIMIT:
            chunk = self._next(exchange, stop, watch)
            if not isinstance(chunk, bytes):  # the end, or stopped: the status says enough
                break
            raw += chunk
        text = raw[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")
        try:
            payload: object = json.loads(text)
        except ValueError:
            payload = None
        detail = self._dialect.error_detail(response.status_code, payload)
        if not detail.message:
            detail = replace(detail, message=_failures.plain_body(text, response))
        wait = server_wait(response.headers, time.time())
        if wait is not None:
            detail = replace(detail, wait_s=wait)
        return self._fail(_failures.from_detail(detail))

    def _fail(self, failure: _failures.Failure, *, during: bool = False) -> CloudError:
        error = failure.error(_failures.Context(
            tier=self.tier, host=self.host, display=self._dialect.display,
            key_account=self._dialect.key_account, has_key=self._key is not None,
            during=during))
        if self._key is not None and self._key in str(error):  # a provider quoting the key
            error.args = (str(error).replace(self._key, "[key]"),)
        return error

    def _describe(self, error: CloudError, run: _Run) -> None:
        """Give ``error`` what a receipt of the failed attempt needs (see CloudError)."""
        usage = self._usage(run)
        error.partial_text = run.text.rstrip()
        error.bytes_sent, error.attempts = run.bytes_sent, run.attempts
        error.provider, error.model, error.host = self.provider, usage.model, self.host
        error.tokens_in, error.tokens_out = usage.tokens_in, usage.tokens_out
        error.cached_tokens_in, error.usage_estimated = usage.cached_in, usage.estimated
        error.ttft_s = run.first_text_at - run.started if run.first_text_at else None
        error.duration_s = time.perf_counter() - run.started

    def _wait(self, delay: float, stop: StopSignal) -> None:
        if self._sleep is not None:
            self._sleep(delay)
            return
        deadline = time.monotonic() + delay
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, _STOP_POLL_S))

    # -- the result ------------------------------------------------------------------------

    def _usage(self, run: _Run) -> _Counted:
        """Tokens of the last attempt: the provider's figures, else estimates from lengths."""
        reader = run.reader
        if reader is None:  # no stream was opened: nothing was generated
            sent = run.bytes_sent > 0 and not run.refused  # a refused request did not run
            return _Counted(tokens_in=estimate_tokens(run.prompt_chars) if sent else 0,
                            tokens_out=0, cached_in=0, estimated=sent, model=self.model)
        usage = reader.usage
        return _Counted(
            tokens_in=usage.tokens_in if usage.tokens_in is not None
            else estimate_tokens(run.prompt_chars),
            tokens_out=usage.tokens_out if usage.tokens_out is not None
            else estimate_tokens(run.chars + reader.hidden_chars),
            cached_in=usage.cached_in,
            estimated=usage.tokens_in is None or usage.tokens_out is None,
            model=reader.model or self.model)

    def _answer(self, run: _Run, finish: FinishReason) -> CloudAnswer:
        usage = self._usage(run)
        decode = None
        if not usage.estimated and usage.tokens_out > 1 \
                and run.last_text_at > run.first_text_at > 0:
            decode = (usage.tokens_out - 1) / (run.last_text_at - run.first_text_at)
        return CloudAnswer(
            text=run.text.rstrip(), finish_reason=finish, provider=self.provider,
            model=usage.model, host=self.host, tokens_in=usage.tokens_in,
            tokens_out=usage.tokens_out, cached_tokens_in=usage.cached_in,
            usage_estimated=usage.estimated, bytes_sent=run.bytes_sent,
            ttft_s=run.first_text_at - run.started if run.first_text_at else None,
            decode_tok_per_s=decode, duration_s=time.perf_counter() - run.started,
            attempts=run.attempts,
        )


def host_of(url: httpx.URL) -> str:
    """``host`` or ``host:port`` (when not the scheme's default) of ``url``."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{url.port}" if url.port is not None else host


@dataclass(frozen=True)
class _Counted:
    tokens_in: int
    tokens_out: int
    cached_in: int
    estimated: bool
    model: str


@dataclass
class _Run:
    """What one ``chat`` call has done so far, over all its attempts."""

    started: float
    total_end: float
    prompt_chars: int
    attempts: int = 0
    bytes_sent: int = 0
    pieces: list[str] = field(default_factory=list)
    chars: int = 0  # len(text), kept as text arrives
    reader: EventReader | None = None
    refused: bool = False  # the last attempt got an HTTP error status
    first_text_at: float = 0.0
    last_text_at: float = 0.0

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def deliver(self, text: str, on_text: TextSink) -> None:
        if not self.pieces:
            text = text.lstrip()  # like the local engine: no leading blank in an answer
            if not text:
                return
            self.first_text_at = time.perf_counter()
        self.last_text_at = time.perf_counter()
        self.pieces.append(text)
        self.chars += len(text)
        on_text(text)
