"""Turns a conversation into the prompt text the model was trained on (its own chat template)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.chat import ChatMessage

# Used when a GGUF file carries no template: ChatML is what most small instruct models expect.
CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    text: str
    stop: tuple[str, ...]


class ChatTemplate:
    """The model's Jinja chat template, rendered in llama-cpp-python's sandboxed environment."""

    def __init__(self, template: str | None, *, bos_token: str, eos_token: str) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.source = "the model file" if template else "built-in ChatML (the file has none)"
        self._formatter = Jinja2ChatFormatter(
            template=template or CHATML, bos_token=bos_token, eos_token=eos_token,
            add_generation_prompt=True,
        )
        self._fallback_stop: tuple[str, ...] = () if template else ("<|im_end|>",)

    def render(self, messages: Sequence[ChatMessage]) -> RenderedPrompt:
        """Render ``messages`` followed by the assistant's turn opener.

        Some templates (Gemma's) reject a system role; the system text then opens the first
        user message instead, which is what those models' own documentation advises.
        """
        payload = [{"role": m.role, "content": m.content} for m in messages]
        try:
            response = self._formatter(messages=payload)  # type: ignore[arg-type]
        except Exception as first_error:  # noqa: BLE001 - any template fault has the same cure
            if not payload or payload[0]["role"] != "system":
                raise ValueError(f"the model's chat template failed: {first_error}") from None
            merged = _merge_system(payload)
            try:
                response = self._formatter(messages=merged)  # type: ignore[arg-type]
            except Exception as exc:  # noqa: BLE001
                raise ValueError(f"the model's chat template failed: {exc}") from None
        stop = response.stop
        stops = (stop,) if isinstance(stop, str) else tuple(stop or ())
        return RenderedPrompt(text=response.prompt, stop=stops + self._fallback_stop)


def _merge_system(payload: list[dict[str, str]]) -> list[dict[str, str]]:
    system, rest = payload[0]["content"], payload[1:]
    if rest and rest[0]["role"] == "user":
        first = {"role": "user", "content": f"{system}\n\n{rest[0]['content']}"}
        return [first, *rest[1:]]
    return [{"role": "user", "content": system}, *rest]


class StopText:
    """Cuts the streamed text at the first stop string, holding back what might start one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._pending = ""
        self.hit = False

    def feed(self, text: str) -> str:
        """Add text; return the part that is certainly not (the start of) a stop string."""
        if self.hit:
            return ""
        self._pending += text
        for stop in self._stops:
            at = self._pending.find(stop)
            if at >= 0:
                self.hit = True
                out, self._pending = self._pending[:at], ""
                return out
        keep = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(self._pending)), 0, -1):
                if self._pending.endswith(stop[:size]):
                    keep = max(keep, size)
                    break
        out = self._pending[: len(self._pending) - keep]
        self._pending = self._pending[len(self._pending) - keep:]
        return out

    def flush(self) -> str:
        """The held-back text, once the answer has ended without a stop string."""
        out, self._pending = self._pending, ""
        return "" if self.hit else out

    @property
    def holding(self) -> bool:
        return bool(self._pending)
