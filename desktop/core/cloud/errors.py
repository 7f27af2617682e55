"""How a cloud tier fails. Every failure is a KnownError: the environment's, never Hearth's bug.

    KnownError
     ├── InvalidKeyError          a key that is empty or holds characters no API key has
     └── CloudError               a cloud tier gave no answer, or only part of one
          ├── CloudConfigError      escalation off, or no URL, model or key configured
          │    └── KeyringUnavailable   no usable OS keyring: keys cannot be stored or read
          ├── CloudUnreachable      DNS failure, connection refused, connect timeout, TLS, offline
          ├── CloudConnectionLost   the connection broke after the request went out
          ├── CloudTimeout          silent past the read timeout, no part of the answer within
          │                         the idle deadline, or not finished by the total deadline
          ├── CloudAuthError        the key was refused (401, 403)
          ├── CloudRateLimited      still rate limited (429) when the retries ran out
          ├── CloudQuotaExceeded    out of quota, credit or spend limit: waiting will not help
          ├── CloudRequestError     the provider rejected the request (400, 404, 413 ...)
          ├── CloudServerError      the provider failed or is overloaded (5xx, 529)
          └── CloudProtocolError    not the documented wire format, or the stream ended early

``str(error)`` is a sentence for the user; ``error.reason`` is the short form for the receipt's
``fallback`` field ("frontier tier unreachable (connect timeout to api.anthropic.com)").
A message never contains a key: they are built from status codes, hosts and the provider's own
error text, never from request headers.
"""

from __future__ import annotations

from desktop.core.errors import KnownError


class InvalidKeyError(KnownError):
    """A key that cannot be right (empty, spaces, control or non-ASCII characters)."""


class CloudError(KnownError):
    """A cloud tier could not give a complete answer.

    Besides the message, the error carries what happened before it, so that a failed attempt
    gets a receipt like any answer:

    - ``partial_text``: text already shown to the user (nothing is lost on fallback);
    - ``bytes_sent``: the request bodies that left the device, over all attempts;
    - ``attempts``: HTTP requests made, retries included;
    - ``provider``, ``model``, ``host``: where the request went (``model`` as the provider
      named it in its stream, else as configured); empty when nothing was built or sent;
    - ``tokens_in``, ``tokens_out``, ``cached_tokens_in``, ``usage_estimated``: the usage the
      provider reported before failing; where it reported none, an estimate of four characters
      per token (``usage_estimated`` True): the prompt once it was sent, the partial text. An
      attempt the provider refused with an HTTP error status counts 0 tokens (nothing ran);
    - ``ttft_s`` (None without text) and ``duration_s``: from the call to the first text and to
      the failure.
    """

    def __init__(self, message: str, *, reason: str | None = None, retryable: bool = False,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.partial_text = ""
        self.bytes_sent = 0
        self.attempts = 0
        self.provider = ""
        self.model = ""
        self.host = ""
        self.tokens_in = 0
        self.tokens_out = 0
        self.cached_tokens_in = 0
        self.usage_estimated = False
        self.ttft_s: float | None = None
        self.duration_s = 0.0


class CloudConfigError(CloudError):
    """The tier cannot be used as configured: escalation off, no URL, model or key."""


class KeyringUnavailable(CloudConfigError):
    """The OS keyring cannot be used, so no key can be stored or read (never a plaintext file)."""


class CloudUnreachable(CloudError):
    """No connection could be made: DNS, refused, connect timeout, TLS failure, offline."""


class CloudConnectionLost(CloudError):
    """The connection broke after the request was sent (reset, closed mid-answer)."""


class CloudTimeout(CloudError):
    """The provider took too long: silent past the read timeout, no part of the answer within
    the idle deadline (keep-alive comments and pings do not count), or the whole answer not
    finished within the total deadline."""


class CloudAuthError(CloudError):
    """The provider refused the key (401) or its permissions (403); ``status`` says which."""

    status: int = 0


class CloudRateLimited(CloudError):
    """The provider still answered 429 after every retry, or asked for too long a wait."""


class CloudQuotaExceeded(CloudError):
    """The account is out of quota, credit or spend limit; retrying cannot help."""


class CloudRequestError(CloudError):
    """The provider rejected the request itself (400, 404, 413, ...): its message says why."""


class CloudServerError(CloudError):
    """The provider failed (5xx) or is overloaded (Anthropic's 529)."""


class CloudProtocolError(CloudError):
    """The reply was not in the documented wire format, or the stream ended before its end."""
