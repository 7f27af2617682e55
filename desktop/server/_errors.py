"""Errors as OpenAI's API reports them, so any OpenAI client raises its usual exception.

    ApiError (status, message, type, code, param)
     ├── 400 invalid_request_error   malformed JSON, a bad parameter, a prompt over the limit
     ├── 401 invalid_api_key         missing or wrong bearer token
     ├── 404 model_not_found         a model name the server does not serve
     ├── 413 request_too_large       a body over server.max_request_kb
     ├── 429 queue_full              the local model's queue is full (with Retry-After)
     ├── 502 cloud_answer_broke_off  a streamed cloud answer broke off (an error event)
     ├── 503 model_not_available     no local model chosen, or it cannot be loaded
     └── 500 server_error            a bug (the details go to the log, not the client)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

_TYPES = {400: "invalid_request_error", 401: "invalid_request_error",
          404: "invalid_request_error", 413: "invalid_request_error", 429: "rate_limit_error",
          502: "server_error", 503: "server_error", 500: "server_error"}


@dataclass(eq=False)  # not frozen: raising sets attributes (__traceback__, __cause__ …)
class ApiError(Exception):
    """An error answered in OpenAI's shape: ``{"error": {"message", "type", "code", "param"}}``."""

    status: int
    message: str
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def body(self) -> bytes:
        error = {"message": self.message, "type": _TYPES.get(self.status, "invalid_request_error"),
                 "code": self.code, "param": self.param}
        return json.dumps({"error": error}, ensure_ascii=False).encode()


def bad_request(message: str, *, param: str | None = None,
                code: str | None = "invalid_value") -> ApiError:
    return ApiError(400, message, code=code, param=param)
