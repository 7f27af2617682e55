"""The settings dialog, generated from the core's settings schema and validated by it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import ConfigError, KnownError
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import SCHEMA, Setting, Settings

SECTION_TITLES = {"ui": "General", "local": "Model", "chat": "Chat", "accounting": "Costs",
                  "network": "Network", "cloud": "Cloud", "tiers": "Cloud tiers"}

# Where the schema's key does not read well as a label.
LABELS = {
    "ui.theme": "Theme",
    "ui.font_size": "Chat font size",
    "local.model_path": "Model file",
    "local.threads": "CPU threads",
    "local.context_size": "Context size (tokens)",
    "local.gpu_layers": "Layers on the GPU",
    "local.batch_size": "Prompt batch size",
    "local.max_tokens": "Longest answer (tokens)",
    "local.seed": "Sampling seed",
    "chat.system_prompt": "Instructions to the model",
    "accounting.device_watts": "Power while generating (W)",
    "accounting.electricity_usd_per_kwh": "Electricity price (USD per kWh)",
    "network.offline": "Enforced offline mode",
    "cloud.escalation": "Let questions leave this device",
}
_WORDS = {"url": "URL", "usd": "(USD)", "s": "(seconds)", "kwh": "kWh", "gpu": "GPU"}
# Shown instead of the number when a setting is at its minimum, where that value is special.
SPECIAL_VALUES = {
    "local.threads": "Automatic",
    "local.gpu_layers": "All",
    "local.seed": "New each answer",
    "accounting.device_watts": "Unknown",
    "accounting.electricity_usd_per_kwh": "Unknown",
}
_INT_LIMIT = 2**31 - 1
_DECIMALS = 4

Value = str | int | float | bool


def label_for(setting: Setting) -> str:
    if setting.key in LABELS:
        return LABELS[setting.key]
    words = setting.name.replace(".", " ").replace("_", " ").split()
    text = " ".join(_WORDS.get(word, word) for word in words)
    return text[:1].upper() + text[1:]


def when_applied(setting: Setting) -> str:
    """How a change takes effect, said to the user under the setting."""
    if ModelSlot.affects_engine(setting.key):
        return "Changing it reloads the model; no restart needed."
    if setting.restart_required:
        return "Takes effect the next time Hearth starts."
    return ""


@dataclass(eq=False)
class SettingEditor:
    """The widget for one setting, and the label that shows why a value was refused."""

    setting: Setting
    widget: QWidget
    error: QLabel

    def value(self) -> Value:
        w = self.widget
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
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


class SettingsDialog(QDialog):
    """One tab per section of the schema; OK and Apply save through ``Settings.set``.

    Signals:
        applied(list): the keys whose values were changed.
    """

    applied = Signal(list)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.resize(620, 560)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        layout.addWidget(self.tabs, 1)
        self.editors: dict[str, SettingEditor] = {}
        for section in _sections():
            self.tabs.addTab(self._section_page(section), SECTION_TITLES.get(
                section, section.capitalize()))

        self.result_label = QLabel()
        self.result_label.setObjectName("Muted")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.RestoreDefaults, self)
        self.buttons.clicked.connect(self._on_button)
        layout.addWidget(self.buttons)
        self.load_values()

    def editor(self, key: str) -> SettingEditor:
        return self.editors[key]

    def load_values(self) -> None:
        for key, editor in self.editors.items():
            editor.set_value(self._settings.get(key))
            editor.show_error("")

    def restore_defaults(self) -> None:
        """Put every field back to its default; nothing is saved until Apply or OK."""
        for editor in self.editors.values():
            editor.set_value(editor.setting.default)
            editor.show_error("")
        self.result_label.setText("Defaults restored in the form; Apply or OK saves them.")

    def apply(self) -> bool:
        """Save every changed value; False (and the reason beside the field) if one is refused."""
        changed: list[str] = []
        ok = True
        for key, editor in self.editors.items():
            value, current = editor.value(), self._settings.get(key)
            if isinstance(value, float) and isinstance(current, int | float):
                current = round(float(current), _DECIMALS)  # what the spin box could show
            if value == current:
                editor.show_error("")
                continue
            try:
                self._settings.set(key, value)
            except ConfigError as exc:
                editor.show_error(str(exc))
                ok = False
                continue
            except KnownError as exc:  # the file could not be written
                self.result_label.setText(str(exc))
                return False
            editor.show_error("")
            changed.append(key)
        if not ok:
            self.result_label.setText("Some values were not saved: see the fields marked.")
        elif changed:
            reload = any(ModelSlot.affects_engine(k) for k in changed)
            self.result_label.setText("Saved. The model reloads with the new settings."
                                      if reload else "Saved.")
        else:
            self.result_label.setText("Nothing changed.")
        if changed:
            self.applied.emit(changed)
        return ok

    def accept(self) -> None:
        if self.apply():
            super().accept()

    @Slot(QAbstractButton)
    def _on_button(self, button: QAbstractButton) -> None:
        role = self.buttons.buttonRole(button)
        if role == QDialogButtonBox.ButtonRole.AcceptRole:
            self.accept()
        elif role == QDialogButtonBox.ButtonRole.RejectRole:
            self.reject()
        elif role == QDialogButtonBox.ButtonRole.ApplyRole:
            self.apply()
        elif role == QDialogButtonBox.ButtonRole.ResetRole:
            self.restore_defaults()

    # -- building --------------------------------------------------------------------------

    def _section_page(self, section: str) -> QWidget:
        # One setting under the other (caption, field, help): word-wrapped help text gets
        # the page's full width, which a two-column form would not give it.
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(3)
        for setting in SCHEMA:
            if setting.section != section:
                continue
            label = label_for(setting)
            widget = _widget_for(setting, page)
            widget.setAccessibleName(label)
            widget.setAccessibleDescription(setting.description)
            widget.setToolTip(setting.description)
            if isinstance(widget, QCheckBox):
                widget.setText(label)
            else:
                caption = QLabel(label)
                caption.setObjectName("FieldCaption")
                caption.setBuddy(widget)
                column.addWidget(caption)
            if isinstance(widget, QSpinBox | QDoubleSpinBox | QComboBox | QCheckBox):
                if not isinstance(widget, QCheckBox):
                    widget.setMinimumWidth(160)
                row = QHBoxLayout()
                row.addWidget(widget)
                row.addStretch(1)
                column.addLayout(row)
            else:
                column.addWidget(widget)
            help_label = QLabel(" ".join(filter(None, [setting.description,
                                                       when_applied(setting)])))
            help_label.setObjectName("Hint")
            help_label.setWordWrap(True)
            column.addWidget(help_label)
            error = QLabel()
            error.setObjectName("ErrorLabel")
            error.setWordWrap(True)
            error.hide()
            column.addWidget(error)
            column.addSpacing(12)
            self.editors[setting.key] = SettingEditor(setting, widget, error)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        return scroll


def _sections() -> list[str]:
    found = list(dict.fromkeys(s.section for s in SCHEMA))
    known = [s for s in SECTION_TITLES if s in found]
    return known + [s for s in found if s not in SECTION_TITLES]


def _widget_for(setting: Setting, parent: QWidget) -> QWidget:
    if setting.kind is bool:
        return QCheckBox(parent)
    if setting.choices:
        combo = QComboBox(parent)
        for choice in setting.choices:
            combo.addItem("Follow the system" if choice == "system" else choice.capitalize(),
                          choice)
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
        dspin.setDecimals(_DECIMALS)
        dspin.setSingleStep(0.05 if (setting.maximum or 0) <= 2 else 1.0)
        dspin.setRange(setting.minimum if setting.minimum is not None else -1e12,
                       setting.maximum if setting.maximum is not None else 1e12)
        dspin.setSpecialValueText(SPECIAL_VALUES.get(setting.key, ""))
        return dspin
    if setting.key.endswith("_path"):
        return _path_field(parent)
    if setting.key.endswith("prompt"):
        text = QPlainTextEdit(parent)
        text.setTabChangesFocus(True)
        text.setFixedHeight(96)
        return text
    return QLineEdit(parent)


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
            field, "Choose a model file", line.text(), "GGUF models (*.gguf);;All files (*)")
        if path:
            line.setText(path)

    browse.clicked.connect(choose)
    row.addWidget(line, 1)
    row.addWidget(browse)
    field.setFocusProxy(line)
    return field
