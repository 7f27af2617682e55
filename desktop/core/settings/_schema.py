"""The one list of every setting Hearth knows: key, type, default, what it does."""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.core.errors import ConfigError
from desktop.core.settings._urls import credential_in, refusal

Value = str | int | float | bool

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One setting: ``key`` is dotted (``section.name``); ``kind`` is its value's Python type."""

    key: str
    kind: type[str] | type[int] | type[float] | type[bool]
    default: Value
    description: str
    restart_required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    url: bool = False  # an address: refused when it carries a credential (see _urls)

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]

    def parse(self, text: str) -> Value:
        """Turn the text a user typed (``hearth config set``) into a checked value."""
        raw = text.strip()
        if self.kind is bool:
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise ConfigError(f"{self.key} takes true or false, not {text!r}")
        if self.kind is int:
            try:
                return self.validate(int(raw))
            except ValueError:
                raise ConfigError(f"{self.key} takes a whole number, not {text!r}") from None
        if self.kind is float:
            try:
                return self.validate(float(raw))
            except ValueError:
                raise ConfigError(f"{self.key} takes a number, not {text!r}") from None
        return self.validate(text)

    def validate(self, value: object) -> Value:
        """Return ``value`` if it fits this setting (ints are accepted for floats), else raise."""
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool)):
            raise ConfigError(
                f"{self.key} takes a {self.kind.__name__}, not {type(value).__name__} {value!r}"
            )
        if self.url and isinstance(value, str):
            found = credential_in(value)
            if found is not None:
                raise ConfigError(refusal(self.key, found))
        if self.choices and value not in self.choices:
            raise ConfigError(f"{self.key} takes one of {', '.join(self.choices)}; got {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ConfigError(f"{self.key} takes a finite number; got {value!r}")
            if self.minimum is not None and value < self.minimum:
                raise ConfigError(f"{self.key} must be at least {self.minimum:g}; got {value!r}")
            if self.maximum is not None and value > self.maximum:
                raise ConfigError(f"{self.key} must be at most {self.maximum:g}; got {value!r}")
        return value


AUTO_GPU_LAYERS = -2  # local.gpu_layers: let Hearth fit the layers to the GPU's free memory

# The classes the privacy gate reports (desktop.core.routing.KINDS; a test keeps them equal).
PRIVACY_CLASSES: tuple[tuple[str, str], ...] = (
    ("secret", "secrets and credentials"), ("payment_card", "payment card numbers"),
    ("iban", "IBANs"), ("national_id", "national identity numbers"), ("email", "e-mail addresses"),
    ("phone", "phone numbers"), ("ip_address", "IP addresses"),
    ("date_of_birth", "dates of birth"), ("address", "postal addresses"),
    ("health", "health information"),
    ("financial", "financial details"), ("custom", "your custom sensitive terms"),
)

SCHEMA: tuple[Setting, ...] = (
    Setting(
        key="local.model_path",
        kind=str,
        default="",
        description="GGUF model file answered by the on-device engine (empty: none chosen yet).",
    ),
    Setting(
        key="local.threads",
        kind=int,
        default=0,
        minimum=0,
        maximum=512,
        description=("CPU threads for generation; 0 picks half the logical CPUs (the physical "
                     "cores on a machine with two threads per core)."),
        restart_required=True,
    ),
    Setting(
        key="local.context_size",
        kind=int,
        default=4096,
        minimum=256,
        maximum=1_048_576,
        description="Context window in tokens; older turns are trimmed when a chat outgrows it.",
        restart_required=True,
    ),
    Setting(
        key="local.gpu_layers",
        kind=int,
        default=AUTO_GPU_LAYERS,
        minimum=AUTO_GPU_LAYERS,
        maximum=1000,
        description="Layers offloaded to the GPU when the build has one: -2 as many as fit "
                    "its free memory (auto), -1 all, 0 none (CPU only).",
        restart_required=True,
    ),
    Setting(
        key="local.batch_size",
        kind=int,
        default=512,
        minimum=8,
        maximum=8192,
        description="Prompt tokens evaluated per batch; larger is faster, uses more memory.",
        restart_required=True,
    ),
    Setting(
        key="local.repack",
        kind=str,
        default="auto",
        choices=("auto", "on", "off"),
        description="Copy the weights into llama.cpp's repacked CPU layout at load (on). On a "
                    "1B model (2-core AVX-512, measured): answers 12-18 % faster, long prompts "
                    "slower to start, 446 MiB more memory. Auto (now off) reads the weights "
                    "from the model file in place.",
        restart_required=True,
    ),
    Setting(
        key="local.kv_cache_type",
        kind=str,
        default="f16",
        choices=("f16", "q8_0", "q4_0"),
        description="Number format of the context's memory (KV cache): q8_0 about halves it, "
                    "q4_0 quarters it, at some cost in answer quality.",
        restart_required=True,
    ),
    Setting(
        key="local.flash_attention",
        kind=str,
        default="auto",
        choices=("auto", "on", "off"),
        description="Flash attention: auto lets llama.cpp use it where the device supports it; "
                    "q8_0 and q4_0 KV caches need it.",
        restart_required=True,
    ),
    Setting(
        key="local.prompt_lookup",
        kind=bool,
        default=False,
        description="Guess the next words from text already in the chat and let the model check "
                    "several at once: faster answers that repeat text (rewrites, fixes).",
    ),
    Setting(
        key="local.max_tokens",
        kind=int,
        default=1024,
        minimum=1,
        maximum=1_048_576,
        description="Longest answer in tokens.",
    ),
    Setting(
        key="local.temperature",
        kind=float,
        default=0.7,
        minimum=0.0,
        maximum=2.0,
        description="Sampling temperature; 0 always picks the most likely token.",
    ),
    Setting(
        key="local.seed",
        kind=int,
        default=-1,
        minimum=-1,
        maximum=2**31 - 1,
        description="Sampling seed; -1 picks a new one each answer.",
    ),
    Setting(
        key="chat.system_prompt",
        kind=str,
        default="You are Hearth, a helpful assistant running privately on this computer.",
        description="Instructions given to the model at the start of every conversation.",
    ),
    Setting(
        key="accounting.device_watts",
        kind=float,
        default=0.0,
        minimum=0.0,
        maximum=5000.0,
        description="Power this computer draws while generating, in watts; 0 means unknown.",
    ),
    Setting(
        key="accounting.electricity_usd_per_kwh",
        kind=float,
        default=0.0,
        minimum=0.0,
        maximum=10.0,
        description="Your electricity price in USD per kWh; 0 means unknown.",
    ),
    Setting(
        key="ui.theme",
        kind=str,
        default="system",
        choices=("system", "light", "dark"),
        description="Colour theme of the window.",
    ),
    Setting(
        key="ui.font_size",
        kind=int,
        default=11,
        minimum=6,
        maximum=40,
        description="Font size of the chat, in points.",
    ),
    Setting(
        key="accounting.monthly_budget_usd",
        kind=float,
        default=0.0,
        minimum=0.0,
        maximum=1_000_000.0,
        description="Monthly cloud spending limit in USD: a warning at 80 %, answers stay on "
                    "this device at 100 %; 0 means no budget.",
    ),
    Setting(
        key="accounting.hardware_usd",
        kind=float,
        default=0.0,
        minimum=0.0,
        maximum=10_000_000.0,
        description="What this computer (or the part bought for Hearth) cost, in USD, for the "
                    "dashboard's payback figure; 0 means not entered, and no payback is shown.",
    ),
    Setting(
        key="accounting.private_input_usd_per_mtok",
        kind=float,
        default=0.0,
        minimum=0.0,
        maximum=10_000.0,
        description="What the private tier charges per million prompt tokens, in USD (with the "
                    "output price below); 0 means unknown.",
    ),
    Setting(
        key="accounting.private_output_usd_per_mtok",
        kind=float,
        default=0.0,
        minimum=0.0,
        maximum=10_000.0,
        description="What the private tier charges per million generated tokens, in USD; 0 "
                    "means unknown.",
    ),
    Setting(
        key="accounting.private_usd_per_hour",
        kind=float,
        default=0.0,
        minimum=0.0,
        maximum=100_000.0,
        description="What the private server costs per hour, in USD, for a box you rent or "
                    "run: an answer costs its duration at this rate (used instead of the token "
                    "prices when set); 0 means unknown.",
    ),
    Setting(
        key="network.offline",
        kind=bool,
        default=False,
        description="Enforced offline mode: refuse every connection and name lookup that is not "
                    "to this computer (loopback), and log each attempt.",
    ),
    Setting(
        key="cloud.escalation",
        kind=bool,
        default=False,
        description="Allow questions to leave this device for the private or frontier tier.",
    ),
    Setting(
        key="tiers.private.base_url",
        kind=str,
        default="",
        url=True,
        description="Base URL of your OpenAI-compatible server (llama.cpp server, vLLM, Ollama), "
                    "e.g. http://127.0.0.1:8080/v1; empty means no private tier.",
    ),
    Setting(
        key="tiers.private.model",
        kind=str,
        default="",
        description="Model name the private server is asked for.",
    ),
    Setting(
        key="tiers.frontier.provider",
        kind=str,
        default="anthropic",
        choices=("anthropic", "openai", "gemini"),
        description="Company whose API answers frontier-tier questions.",
    ),
    Setting(
        key="tiers.frontier.model",
        kind=str,
        default="",
        description="Model name at the frontier provider, spelled as its API expects (empty: "
                    "not set).",
    ),
    Setting(
        key="tiers.frontier.base_url",
        kind=str,
        default="",
        url=True,
        description="Base URL of the frontier API; empty uses the provider's official one "
                    "(https://api.anthropic.com, https://api.openai.com/v1, "
                    "https://generativelanguage.googleapis.com); set it for a gateway or proxy.",
    ),
    Setting(
        key="cloud.connect_timeout_s",
        kind=float,
        default=10.0,
        minimum=0.1,
        maximum=300.0,
        description="Seconds to wait for a connection to a cloud tier before giving up.",
    ),
    Setting(
        key="cloud.read_timeout_s",
        kind=float,
        default=60.0,
        minimum=0.1,
        maximum=3600.0,
        description="Seconds a cloud tier may stay silent, before or during an answer.",
    ),
    Setting(
        key="cloud.idle_timeout_s",
        kind=float,
        default=60.0,
        minimum=0.1,
        maximum=3600.0,
        description="Seconds a cloud tier may go without sending any part of the answer, even "
                    "if it sends keep-alive pings meanwhile; then the answer is given up (and "
                    "answered on this device). Reasoning the server streams counts as progress.",
    ),
    Setting(
        key="cloud.total_timeout_s",
        kind=float,
        default=600.0,
        minimum=1.0,
        maximum=86400.0,
        description="Seconds a whole cloud answer may take, retries included; then it is "
                    "given up, keeping the text received so far.",
    ),
    Setting(
        key="cloud.max_retries",
        kind=int,
        default=2,
        minimum=0,
        maximum=10,
        description="Retries after a rate limit (429) or a server error (5xx, 529), with backoff.",
    ),
    Setting(
        key="models.mirror_url",
        kind=str,
        default="",
        url=True,
        description="Download models from this mirror instead of https://huggingface.co (the "
                    "address replaces that prefix, e.g. https://models.example.org/hf); empty: "
                    "no mirror.",
    ),
    Setting(
        key="cloud.escalation_explained",
        kind=bool,
        default=False,
        description="Whether the window has explained what escalation sends (shown once).",
    ),
    Setting(
        key="privacy.custom_terms",
        kind=str,
        default="",
        description="Your own sensitive words (client or project names), comma-separated; "
                    "they count as the class 'custom'.",
    ),
    Setting(
        key="privacy.phone_regions",
        kind=str,
        default="",
        description="Regions whose phone numbers are recognised without a country code, as "
                    "comma-separated ISO codes (e.g. 'DE, AT, CH'); empty: your locale's region "
                    "plus the EU, the UK, the US and their neighbours.",
    ),
    Setting(
        key="privacy.preview_before_sending",
        kind=bool,
        default=False,
        description="Show the exact text and host before anything leaves this device.",
    ),
    *(
        Setting(
            key=f"privacy.{kind}",
            kind=str,
            default="keep_local",
            choices=("keep_local", "redact", "ask"),
            description=f"What to do with {label} before a question leaves this device: keep "
                        "the question local, send placeholders instead, or ask each time.",
        )
        for kind, label in PRIVACY_CLASSES
    ),
    Setting(
        key="documents.embedding_model",
        kind=str,
        default="",
        description="Embedding model for searching documents by meaning: a GGUF path or the "
                    "name of an installed model ('hearth models list'); empty: search by "
                    "words only (BM25).",
    ),
    Setting(
        key="documents.max_file_mb",
        kind=int,
        default=1000,
        minimum=1,
        maximum=1_000_000,
        description="Files larger than this (MB) are skipped when indexing documents, with "
                    "the reason shown.",
    ),
    Setting(
        key="routing.difficulty_threshold",
        kind=float,
        default=0.6,
        minimum=0.0,
        maximum=1.0,
        description="With escalation on, questions whose estimated difficulty (0-1) reaches "
                    "this go to a cloud tier; lower sends more.",
    ),
    Setting(
        key="routing.cascade",
        kind=str,
        default="off",
        choices=("off", "offer", "auto"),
        description="After a local answer that looks unsure: do nothing, offer a cloud answer "
                    "with one click, or ask the cloud tier automatically.",
    ),
    Setting(
        key="routing.min_token_probability",
        kind=float,
        default=0.35,
        minimum=0.0,
        maximum=1.0,
        description="A local answer counts as unsure when the geometric mean probability of its "
                    "tokens is below this (a heuristic to tune, not a calibrated measure).",
    ),
    # The local OpenAI-compatible server (hearth serve; desktop/server).
    Setting(
        key="server.port",
        kind=int,
        default=8765,
        minimum=1024,
        maximum=65535,
        restart_required=True,
        description="Port of the local OpenAI-compatible server (http://127.0.0.1:PORT/v1).",
    ),
    Setting(
        key="server.autostart",
        kind=bool,
        default=False,
        description="Start the local server for other apps when the window opens.",
    ),
    Setting(
        key="server.cors_origins",
        kind=str,
        default="",
        restart_required=True,
        description="Web pages (origins, comma-separated, e.g. http://localhost:3000) that may "
                    "call the local server from a browser; empty: none may.",
    ),
    Setting(
        key="server.queue_size",
        kind=int,
        default=8,
        minimum=1,
        maximum=256,
        restart_required=True,
        description="Requests that may wait for the model while it answers another; one more "
                    "is refused with 429 and a Retry-After.",
    ),
    Setting(
        key="server.max_request_kb",
        kind=int,
        default=1024,
        minimum=1,
        maximum=65536,
        restart_required=True,
        description="Largest request body the local server reads, in KiB (larger: 413).",
    ),
    Setting(
        key="server.max_prompt_chars",
        kind=int,
        default=200000,
        minimum=100,
        maximum=10000000,
        restart_required=True,
        description="Most characters of messages one request may send (more: 400).",
    ),
)

_BY_KEY = {s.key: s for s in SCHEMA}


def setting_for(key: str) -> Setting:
    """The schema entry for ``key``, or a ConfigError that lists the close alternatives."""
    try:
        return _BY_KEY[key]
    except KeyError:
        section = key.split(".", 1)[0]
        near = [k for k in _BY_KEY if k.startswith(section + ".")]
        hint = f" Settings in '{section}': {', '.join(near)}." if near else ""
        raise ConfigError(f"unknown setting {key!r}.{hint} See 'hearth config list'.") from None
