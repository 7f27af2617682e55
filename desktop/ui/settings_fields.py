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
from desktop.ui.settings_words import (
    HELP,
    PLACEHOLDERS,
    SPECIAL_VALUES,
    choice_label,
    label_for,
    tooltip_for,
)
from desktop.ui.wording import MODEL_FILE_FILTER

# Text settings shown as a list of suggestions that still takes any text typed.
EDITABLE_CHOICES = frozenset({"tiers.frontier.model"})
_INT_LIMIT = 2**31 - 1
DECIMALS = 4  # the most a number field shows; fewer where that reads better
FEWER_DECIMALS = {"accounting.device_watts": 1, "accounting.monthly_budget_usd": 2,
                  "accounting.hardware_usd": 2, "accounting.private_usd_per_hour": 2}

Value = str | int | float | bool


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
                    f"{', '.join(choice_label(v, self.setting.key) for v in allowed)}.")
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
            label = choice_label(choice, setting.key)
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
