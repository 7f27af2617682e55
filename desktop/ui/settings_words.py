"""The words of the settings fields: labels, help, the names of choices and of special values,
and placeholders, where the core schema's own names and descriptions do not read well.

Kept apart from ``settings_fields`` (which builds the widgets) so that each reads in one sitting.
"""

from __future__ import annotations

from desktop.core.settings import Setting
from desktop.ui.wording import CLASS_LABELS

# Where the schema's key does not read well as a label.
LABELS = {
    "ui.theme": "Theme",
    "ui.font_size": "Chat font size",
    "local.model_path": "Model file",
    "local.threads": "CPU threads",
    "local.context_size": "Context size (tokens)",
    "local.gpu_layers": "Layers on the GPU",
    "local.batch_size": "Prompt batch size",
    "local.repack": "Repack the weights in memory",
    "local.kv_cache_type": "Context memory format",
    "local.flash_attention": "Flash attention",
    "local.prompt_lookup": "Draft repeated text (prompt lookup)",
    "local.max_tokens": "Longest answer (tokens)",
    "local.seed": "Sampling seed",
    "chat.system_prompt": "Instructions to the model",
    "accounting.device_watts": "Power while generating (W)",
    "accounting.electricity_usd_per_kwh": "Electricity price (USD per kWh)",
    "accounting.monthly_budget_usd": "Monthly cloud budget (USD)",
    "accounting.hardware_usd": "Price of this computer (USD)",
    "accounting.private_input_usd_per_mtok": "Private server: price per million prompt tokens "
                                             "(USD)",
    "accounting.private_output_usd_per_mtok": "Private server: price per million answer tokens "
                                              "(USD)",
    "accounting.private_usd_per_hour": "Private server: price per hour (USD)",
    "network.offline": "Offline mode",
    "cloud.escalation": "Let questions leave this device",
    "cloud.connect_timeout_s": "Connection timeout (seconds)",
    "cloud.read_timeout_s": "Silence timeout (seconds)",
    "cloud.idle_timeout_s": "Give up when no part of the answer comes for (seconds)",
    "cloud.total_timeout_s": "Give up when the whole answer takes longer than (seconds)",
    "cloud.max_retries": "Retries after a rate limit or server error",
    "tiers.private.base_url": "Server address",
    "tiers.private.model": "Model",
    "tiers.frontier.provider": "Provider",
    "tiers.frontier.model": "Model",
    "tiers.frontier.base_url": "API address",
    "models.mirror_url": "Download mirror",
    "documents.embedding_model": "Model for searching by meaning",
    "documents.max_file_mb": "Skip files larger than (MB)",
    "server.port": "Port",
    "server.autostart": "Start the server when Hearth opens",
    "server.cors_origins": "Web pages that may use it",
    "server.queue_size": "Requests that may wait",
    "server.max_request_kb": "Largest request (KB)",
    "server.max_prompt_chars": "Longest prompt (characters)",
    "privacy.custom_terms": "Your own sensitive terms",
    "privacy.phone_regions": "Countries whose local phone numbers to recognise",
    "privacy.preview_before_sending": "Show me what would be sent before anything leaves",
    "routing.difficulty_threshold": "Send questions this hard or harder (0–1)",
    "routing.cascade": "When a local answer looks unsure",
    "routing.min_token_probability": "Count a local answer as unsure below (0–1)",
    **{f"privacy.{kind}": label[:1].upper() + label[1:]
       for kind, label in CLASS_LABELS.items()},
}
# How a choice reads in a combo box, where the stored value is not a good label.
CHOICE_LABELS = {
    "system": "Follow the system",
    "keep_local": "Keep on this device",
    "redact": "Replace it, then send",
    "ask": "Ask me each time",
    "anthropic": "Anthropic",
    "openai": "OpenAI",
    "gemini": "Google Gemini",
    "off": "Do nothing",
    "offer": "Offer a cloud answer",
    "auto": "Ask a cloud tier at once",
    # "KEY=VALUE" where a value reads differently for one setting.
    "local.repack=auto": "Automatic", "local.repack=off": "Off",
    "local.flash_attention=auto": "Automatic", "local.flash_attention=off": "Off",
}
# The help under a field, in plain words where the schema's description (written for
# ``hearth config list``) uses terms of the trade; the description stays in the tooltip.
HELP = {
    "local.threads": "How many processor threads generate the answer. Automatic uses one per "
                     "physical core.",
    "local.gpu_layers": "How much of the model runs on the graphics card, when this build of "
                        "llama.cpp can use one. “As many as fit” fills its free memory (the "
                        "usual choice); -1 puts the whole model there; 0 keeps it on the "
                        "processor.",
    "local.seed": "The same seed and question give the same answer again; “New each answer” "
                  "lets answers vary.",
    "local.temperature": "How adventurous the wording is: 0 always picks the most likely word, "
                         "higher values vary more.",
    "network.offline": "Hearth refuses every network connection except to this computer itself, "
                       "and logs each attempt. Every answer is computed here.",
    "cloud.max_retries": "How often to try again when the provider says it is busy or has a "
                         "server error, waiting longer each time.",
    "routing.difficulty_threshold": "Hearth estimates how hard a question is, from 0 (easy) to 1 "
                                    "(hard), by its length, code, maths and steps. From this "
                                    "value on, a question goes to a cloud tier; a lower value "
                                    "sends more questions.",
    "routing.min_token_probability": "How sure the model here was of its words, on average, "
                                     "from 0 to 1 (1: certain). An answer below this counts as "
                                     "unsure. A rough rule to tune, not a calibrated measure.",
    "privacy.custom_terms": "Your own sensitive words, such as client or project names, "
                            "separated by commas. They are found like any other sensitive data "
                            "(“Your custom sensitive terms” in the table above).",
    "documents.embedding_model": "An embedding model installed from Models, or a GGUF file. "
                                 "Empty: documents are searched by their words only. Hearth "
                                 "uses a new choice from its next start; each collection then "
                                 "gets it the next time it is brought up to date.",
    "documents.max_file_mb": "Larger files are left out of a collection, listed with the "
                             "reason among the files that could not be read.",
    "server.port": "The number in the address other apps use. Change it if another program "
                   "already uses this one.",
    "server.cors_origins": "Addresses of web pages (such as http://localhost:3000), separated "
                           "by commas, that may ask Hearth from a browser. Empty: no web page "
                           "may; apps and scripts are not affected.",
    "server.autostart": "It runs while the window is open, with a copy of the model of its "
                        "own.",
    "server.queue_size": "While the model answers one; the next is told to try again "
                         "later.",
    "server.max_request_kb": "A larger request is refused.",
    "server.max_prompt_chars": "Of all a request's messages together; a longer request is "
                               "refused.",
    "privacy.phone_regions": "Countries whose phone numbers are recognised without the "
                             "+country code, as two-letter codes separated by commas (for "
                             "example DE, AT, CH). Empty: your own country's, plus the EU, the "
                             "UK, the US and their neighbours.",
}
_WORDS = {"url": "URL", "usd": "(USD)", "s": "(seconds)", "kwh": "kWh", "gpu": "GPU"}
# Shown instead of the number when a setting is at its minimum, where that value is special.
SPECIAL_VALUES = {
    "local.threads": "Automatic",
    "local.gpu_layers": "As many as fit",
    "local.seed": "New each answer",
    "accounting.device_watts": "Unknown",
    "accounting.electricity_usd_per_kwh": "Unknown",
    "accounting.monthly_budget_usd": "No budget",
    "accounting.hardware_usd": "Not entered",
    "accounting.private_input_usd_per_mtok": "Unknown",
    "accounting.private_output_usd_per_mtok": "Unknown",
    "accounting.private_usd_per_hour": "Unknown",
}
PLACEHOLDERS = {
    "tiers.private.base_url": "http://127.0.0.1:8080/v1",
    "tiers.private.model": "the name your server serves",
    "tiers.frontier.model": "as the provider's API spells it",
    "privacy.custom_terms": "Project Falcon, Acme Corp, …",
    "privacy.phone_regions": "empty: your region, the EU, the UK and the US",
    "models.mirror_url": "https://huggingface.co (no mirror)",
    "server.cors_origins": "empty: no web page",
}


def label_for(setting: Setting) -> str:
    """The field's label: ours, or the setting's name in words."""
    if setting.key in LABELS:
        return LABELS[setting.key]
    words = setting.name.replace(".", " ").replace("_", " ").split()
    text = " ".join(_WORDS.get(word, word) for word in words)
    return text[:1].upper() + text[1:]


def tooltip_for(setting: Setting, reason: str | None = None) -> str:
    """The field's tooltip: why the policy pins it (if it does), the schema's description and
    the setting's name, as ``hearth config`` spells it."""
    return "\n".join(filter(None, [reason, setting.description,
                                    f"Setting: {setting.key}"]))


def choice_label(value: object, key: str = "") -> str:
    """How a choice reads in a list (``on``/``off`` for a switch)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return CHOICE_LABELS.get(f"{key}={value}", CHOICE_LABELS.get(str(value), str(value)))
