"""One field per setting, generated from the core's schema: its widget, label, help and error.

The settings dialog's pages (the generated ones and the hand-made Cloud and Privacy pages) all
build their fields here, so every setting is read, shown and saved the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.local.slot import ModelSlot
from desktop.core.settings import Setting
from desktop.ui.wording import CLASS_LABELS, MODEL_FILE_FILTER

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
# Text settings shown as a list of suggestions that still takes any text typed.
EDITABLE_CHOICES = frozenset({"tiers.frontier.model"})
_INT_LIMIT = 2**31 - 1
DECIMALS = 4  # the most a number field shows; fewer where that reads better
FEWER_DECIMALS = {"accounting.device_watts": 1, "accounting.monthly_budget_usd": 2,
                  "accounting.hardware_usd": 2, "accounting.private_usd_per_hour": 2}

Value = str | int | float | bool


def label_for(setting: Setting) -> str:
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


def help_for(setting: Setting) -> str:
    """The help under a field: plain words, and how a change takes effect."""
    return " ".join(filter(None, [HELP.get(setting.key, setting.description),
                                  when_applied(setting)]))


def when_applied(setting: Setting) -> str:
    """How a change takes effect, said to the user under the setting."""
    if ModelSlot.affects_engine(setting.key):
        return "Changing it reloads the model; no restart needed."
    if setting.restart_required:
        return "Takes effect the next time Hearth starts."
    return ""


@dataclass(eq=False)
class SettingEditor:
    """The widget for one setting, the label that shows why a value was refused, and the one
    that says when the organisation's policy pins or restricts it."""

    setting: Setting
    widget: QWidget
    error: QLabel
    lock: QLabel
    # Where the lock note sits away from its field (under the Privacy table), it names it.
    lock_names_field: bool = False
    locked: bool = False  # the organisation's policy pins it: shown, never saved

    def value(self) -> Value:
        w = self.widget
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            if w.isEditable():  # a list to choose from, free text allowed
                return w.currentText().strip()
            return str(w.currentData())
        if isinstance(w, QDoubleSpinBox):
            return float(w.value())
        if isinstance(w, QSpinBox):
            return int(w.value())
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        line = w if isinstance(w, QLineEdit) else w.findChild(QLineEdit)
        assert line is not None
        return line.text().strip()

    def set_value(self, value: Value) -> None:
        w = self.widget
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox) and w.isEditable():
            w.setCurrentIndex(-1)  # no suggestion chosen: the text is the value
            w.setEditText(str(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))
        elif isinstance(w, QDoubleSpinBox):
            w.setValue(float(value))
        elif isinstance(w, QSpinBox):
            w.setValue(int(value))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(str(value))
        else:
            line = w if isinstance(w, QLineEdit) else w.findChild(QLineEdit)
            assert line is not None
            line.setText(str(value))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def on_edited(self, slot: Callable[[], None]) -> None:
        """Call ``slot`` whenever the user (or the form) changes the field's value."""
        w = self.widget

        def call(*_signal_args: object) -> None:
            slot()

        if isinstance(w, QCheckBox):
            w.toggled.connect(call)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(call)
            if w.isEditable():
                w.editTextChanged.connect(call)
        elif isinstance(w, QSpinBox | QDoubleSpinBox):
            w.valueChanged.connect(call)
        elif isinstance(w, QPlainTextEdit):
            w.textChanged.connect(call)
        else:
            line = w if isinstance(w, QLineEdit) else w.findChild(QLineEdit)
            if line is not None:
                line.textChanged.connect(call)

    def show_policy(self, reason: str | None, allowed: tuple[Value, ...] | None = None) -> None:
        """Disable the field with ``reason`` (the policy pins it), or limit a list of choices
        to ``allowed``; None and None: the user's to change."""
        self.locked = reason is not None
        self.widget.setEnabled(not self.locked)
        self.widget.setToolTip(tooltip_for(self.setting, reason))
        text = reason or ""
        if isinstance(self.widget, QComboBox) and not self.widget.isEditable():
            model = self.widget.model()
            if isinstance(model, QStandardItemModel):
                for row in range(self.widget.count()):
                    item = model.item(row)
                    item.setEnabled(allowed is None or self.widget.itemData(row) in allowed)
        if reason is None and allowed is not None:
            text = ("Your organisation's policy allows only: "
                    f"{', '.join(_choice_label(v, self.setting.key) for v in allowed)}.")
        if text and self.lock_names_field:
            text = f"{label_for(self.setting)}: {text[:1].lower()}{text[1:]}"
        self.lock.setText(text)
        self.lock.setVisible(bool(text))


def make_editor(setting: Setting, parent: QWidget, *, widget: QWidget | None = None
                ) -> SettingEditor:
    """The field for ``setting``, described for screen readers and tooltips; ``widget`` is a
    page's own field for it (its QLineEdit holds the value), else one is made by its type."""
    label = label_for(setting)
    widget = widget if widget is not None else _widget_for(setting, parent)
    widget.setAccessibleName(label)
    widget.setAccessibleDescription(setting.description)
    widget.setToolTip(tooltip_for(setting))
    if isinstance(widget, QCheckBox):
        widget.setText(label)
    error = QLabel(parent)
    error.setObjectName("ErrorLabel")
    error.setWordWrap(True)
    error.hide()
    lock = QLabel(parent)
    lock.setObjectName("Hint")
    lock.setWordWrap(True)
    lock.hide()
    return SettingEditor(setting, widget, error, lock)


def add_field(column: QVBoxLayout, editor: SettingEditor, *, help_text: str | None = None
              ) -> None:
    """Caption, field, help and error one under the other: word-wrapped help gets the page's
    full width, which a two-column form would not give it."""
    setting, widget = editor.setting, editor.widget
    if not isinstance(widget, QCheckBox):
        caption = QLabel(label_for(setting))
        caption.setObjectName("FieldCaption")
        caption.setWordWrap(True)  # a long caption must not widen a narrow column
        caption.setBuddy(widget)
        column.addWidget(caption)
    editable = isinstance(widget, QComboBox) and widget.isEditable()
    if isinstance(widget, QSpinBox | QDoubleSpinBox | QComboBox | QCheckBox) and not editable:
        if not isinstance(widget, QCheckBox):
            widget.setMinimumWidth(160)
        row = QHBoxLayout()
        row.addWidget(widget)
        row.addStretch(1)
        column.addLayout(row)
    else:
        column.addWidget(widget)
    text = help_text if help_text is not None else help_for(setting)
    if text:
        help_label = QLabel(text)
        help_label.setObjectName("Hint")
        help_label.setWordWrap(True)
        column.addWidget(help_label)
    column.addWidget(editor.lock)
    column.addWidget(editor.error)
    column.addSpacing(12)


def _choice_label(value: Value, key: str = "") -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return CHOICE_LABELS.get(f"{key}={value}", CHOICE_LABELS.get(str(value), str(value)))


def decimals_for(setting: Setting) -> int:
    """Decimals a number field shows: two for shares and the temperature, one for seconds."""
    if setting.key in FEWER_DECIMALS:
        return FEWER_DECIMALS[setting.key]
    if setting.maximum is not None and setting.maximum <= 2:
        return 2
    if setting.key.endswith("_s"):
        return 1
    return DECIMALS


def _widget_for(setting: Setting, parent: QWidget) -> QWidget:
    if setting.kind is bool:
        return QCheckBox(parent)
    if setting.choices:
        combo = QComboBox(parent)
        for choice in setting.choices:
            label = _choice_label(choice, setting.key)
            combo.addItem(label if label != choice else choice.capitalize(), choice)
        return combo
    if setting.kind is int:
        spin = QSpinBox(parent)
        spin.setRange(int(max(setting.minimum if setting.minimum is not None else -_INT_LIMIT,
                              -_INT_LIMIT)),
                      int(min(setting.maximum if setting.maximum is not None else _INT_LIMIT,
                              _INT_LIMIT)))
        spin.setSpecialValueText(SPECIAL_VALUES.get(setting.key, ""))
        spin.setGroupSeparatorShown(True)
        return spin
    if setting.kind is float:
        dspin = QDoubleSpinBox(parent)
        dspin.setDecimals(decimals_for(setting))
        dspin.setSingleStep(0.05 if (setting.maximum or 0) <= 2 else 1.0)
        dspin.setRange(setting.minimum if setting.minimum is not None else -1e12,
                       setting.maximum if setting.maximum is not None else 1e12)
        dspin.setSpecialValueText(SPECIAL_VALUES.get(setting.key, ""))
        return dspin
    if setting.key in EDITABLE_CHOICES:
        combo = QComboBox(parent)
        combo.setEditable(True)  # filled with suggestions by its page; any name may be typed
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # As wide as the page gives, not as the longest name in the list.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        line = combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(PLACEHOLDERS.get(setting.key, ""))
        return combo
    if setting.key.endswith("_path"):
        return _path_field(parent)
    if setting.key.endswith("prompt"):
        text = QPlainTextEdit(parent)
        text.setTabChangesFocus(True)
        text.setFixedHeight(96)
        return text
    line = QLineEdit(parent)
    line.setPlaceholderText(PLACEHOLDERS.get(setting.key, ""))
    return line


def _path_field(parent: QWidget) -> QWidget:
    field = QWidget(parent)
    row = QHBoxLayout(field)
    row.setContentsMargins(0, 0, 0, 0)
    line = QLineEdit(field)
    line.setPlaceholderText("No model chosen")
    browse = QPushButton("Browse…", field)
    browse.setAccessibleName("Choose the model file")

    def choose() -> None:
        path, _filter = QFileDialog.getOpenFileName(
            field, "Choose a model file", line.text(), MODEL_FILE_FILTER)
        if path:
            line.setText(path)

    browse.clicked.connect(choose)
    row.addWidget(line, 1)
    row.addWidget(browse)
    field.setFocusProxy(line)
    return field
