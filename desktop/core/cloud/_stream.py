"""One streaming chat over httpx for every wire format: timeouts, retries, SSE, stop, usage."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import httpx
from httpx_sse import EventSource, ServerSentEvent

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.cloud import _failures
from desktop.core.cloud._retry import RetryPolicy, server_wait
from desktop.core.cloud._types import (
    CloudAnswer,
    Dialect,
    EventReader,
    FinishReason,
    MalformedStream,
    StreamFailed,
    TextSink,
    Tier,
)
from desktop.core.cloud._wire import estimate_tokens
from desktop.core.cloud.errors import CloudConfigError, CloudError, InvalidKeyError
from desktop.core.cloud.keys import validate_key
from desktop.core.netguard import OfflineBlocked

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]

_BODY_CHUNK = 64 * 1024
_ERROR_BODY_LIMIT = 64 * 1024
_STOP_POLL_S = 0.05


class StreamingProvider:
    """A cloud tier that speaks one ``Dialect`` over HTTPS and streams server-sent events.

    ``transport`` replaces httpx's network transport (tests); ``sleep`` replaces the wait
    between retries (tests record it instead of waiting; by default the wait ends early when
    the stop signal is set). TLS certificates are always verified.
    """

    def __init__(self, dialect: Dialect, *, tier: Tier, base_url: str, model: str,
                 api_key: str | None = None, connect_timeout_s: float = 10.0,
                 read_timeout_s: float = 60.0, retry: RetryPolicy | None = None,
                 transport: httpx.BaseTransport | None = None, sleep: Sleep | None = None,
                 rng: random.Random | None = None) -> None:
        self.provider = dialect.provider
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
            )
        return self._client

    # -- one answer ------------------------------------------------------------------------

    def chat(self, messages: Sequence[ChatMessage], params: GenerationParams, *,
             on_text: TextSink, stop: StopSignal | None = None) -> CloudAnswer:
        """Stream an answer to ``messages`` (the last one is the question) into ``on_text``.

        Rate limits and server errors are retried with backoff, but never once text reached
        ``on_text`` (it would be shown twice). A ``CloudError`` carries the text shown so far.
        ``stop`` is checked when the response starts, after every event and during a backoff;
        closing the response then cancels the request. A provider that sends nothing at all
        is only noticed at its next event or at the read timeout.
        """
        stop = stop or StopSignal()
        run = _Run(started=time.perf_counter(),
                   prompt_chars=sum(len(m.content) for m in messages))
        body = json.dumps(self._dialect.body(messages, params, self.model),
                          ensure_ascii=False).encode("utf-8")
        retries = 0
        while True:
            if stop.is_set():
                return self._answer(run, "cancelled")
            run.attempts += 1
            try:
                finish = self._attempt(body, run, on_text, stop)
            except CloudError as exc:
                if stop.is_set():  # asked to stop: what broke no longer matters
                    return self._answer(run, "cancelled")
                exc.partial_text = run.text.rstrip()
                exc.bytes_sent, exc.attempts = run.bytes_sent, run.attempts
                delay = None
                if exc.retryable and not run.pieces and retries < self._retry.max_retries:
                    delay = self._retry.delay(retries, exc.retry_after_s, self._rng)
                if delay is None:
                    raise
                retries += 1
                log.info("%s tier: %s; retry %d of %d in %.1f s", self.tier, exc.reason,
                         retries, self._retry.max_retries, delay)
                self._wait(delay, stop)
                continue
            return self._answer(run, finish)

    def _attempt(self, body: bytes, run: _Run, on_text: TextSink,
                 stop: StopSignal) -> FinishReason:
        sent = _CountingBody(body)
        headers = {**self._headers, "content-length": str(len(body))}
        run.reader = None  # usage belongs to the attempt that opens a stream
        try:
            with self._http().stream("POST", self._url, content=sent,
                                     headers=headers) as response:
                if stop.is_set():  # set while the provider was thinking: close, do not read
                    return "cancelled"
                if response.status_code >= 300:
                    raise self._http_error(response)
                return self._read(response, run, on_text, stop)
        except OfflineBlocked as exc:  # the offline guard refused the connection or lookup
            raise self._fail(_failures.offline(str(exc))) from exc
        except httpx.LocalProtocolError:
            # Its message can quote a request header, and so the key: keep it out entirely.
            raise self._fail(_failures.local_protocol()) from None
        except httpx.HTTPError as exc:
            raise self._fail(_failures.transport(exc, self._timeouts)) from exc
        finally:
            run.bytes_sent += sent.sent

    def _read(self, response: httpx.Response, run: _Run, on_text: TextSink,
              stop: StopSignal) -> FinishReason:
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raise self._fail(_failures.not_a_stream(content_type.partition(";")[0]))
        reader = run.reader = self._dialect.reader()
        # iter_sse is a generator: closing it at once releases the response's iterators.
        events = cast(Generator[ServerSentEvent, None, None], EventSource(response).iter_sse())
        try:
            for event in events:
                try:
                    text = reader.feed(event)
                except StreamFailed as failed:
                    raise self._fail(_failures.from_detail(failed.detail), during=True) \
                        from None
                except MalformedStream as bad:
                    raise self._fail(_failures.malformed(str(bad))) from None
                if text:
                    run.deliver(text, on_text)
                if stop.is_set():
                    return "cancelled"
        finally:
            events.close()
        if reader.finish is None:
            raise self._fail(_failures.ended_early())
        return reader.finish

    # -- failures --------------------------------------------------------------------------

    def _http_error(self, response: httpx.Response) -> CloudError:
        raw = bytearray()
        for chunk in response.iter_bytes():
            raw += chunk
            if len(raw) >= _ERROR_BODY_LIMIT:
                break
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

    def _answer(self, run: _Run, finish: FinishReason) -> CloudAnswer:
        reader = run.reader
        text = run.text.rstrip()
        if reader is None:  # no stream was opened: nothing was generated
            tokens_in = estimate_tokens(run.prompt_chars) if run.bytes_sent else 0
            usage_in, usage_out, cached, model = tokens_in, 0, 0, self.model
            estimated = run.bytes_sent > 0
        else:
            usage = reader.usage
            estimated = usage.tokens_in is None or usage.tokens_out is None
            usage_in = usage.tokens_in if usage.tokens_in is not None \
                else estimate_tokens(run.prompt_chars)
            usage_out = usage.tokens_out if usage.tokens_out is not None \
                else estimate_tokens(len(run.text))
            cached, model = usage.cached_in, reader.model or self.model
        decode = None
        if not estimated and usage_out > 1 and run.last_text_at > run.first_text_at > 0:
            decode = (usage_out - 1) / (run.last_text_at - run.first_text_at)
        return CloudAnswer(
            text=text, finish_reason=finish, provider=self.provider, model=model,
            host=self.host, tokens_in=usage_in, tokens_out=usage_out, cached_tokens_in=cached,
            usage_estimated=estimated, bytes_sent=run.bytes_sent,
            ttft_s=run.first_text_at - run.started if run.first_text_at else None,
            decode_tok_per_s=decode, duration_s=time.perf_counter() - run.started,
            attempts=run.attempts,
        )


def host_of(url: httpx.URL) -> str:
    """``host`` or ``host:port`` (when not the scheme's default) of ``url``."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{url.port}" if url.port is not None else host


@dataclass
class _Run:
    """What one ``chat`` call has done so far, over all its attempts."""

    started: float
    prompt_chars: int
    attempts: int = 0
    bytes_sent: int = 0
    pieces: list[str] = field(default_factory=list)
    reader: EventReader | None = None
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
        on_text(text)


class _CountingBody:
    """A request body that counts the bytes httpx actually hands to the connection."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self._body), _BODY_CHUNK):
            chunk = self._body[start:start + _BODY_CHUNK]
            yield chunk
            # Resumed only when the connection asks for more, i.e. after it wrote this chunk.
            self.sent += len(chunk)
