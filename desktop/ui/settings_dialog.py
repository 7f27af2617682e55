"""The settings dialog, generated from the core's settings schema and validated by it.

Most sections are a generated page of fields; Cloud (escalation, tiers, keys, routing rules)
and Privacy (a policy per kind of sensitive data) are laid out by hand from the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.audit import AuditLog
from desktop.core.cloud import KeyStore
from desktop.core.errors import ConfigError, KnownError
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import SCHEMA, Setting, Settings
from desktop.ui.cloud_page import CloudPage
from desktop.ui.documents_page import DocumentsPage
from desktop.ui.jobs import JobRunner
from desktop.ui.privacy_page import PrivacyPage
from desktop.ui.server_page import ServerPage
from desktop.ui.settings_fields import (
    SettingEditor,
    add_field,
    decimals_for,
    make_editor,
    when_applied,
)
from desktop.ui.settings_words import label_for
from desktop.ui.wheel_guard import guard_wheel

__all__ = ["SECTION_TITLES", "SettingEditor", "SettingsDialog", "label_for", "when_applied"]

# Tabs in this order, few and full: each fits a 600-pixel-high screen without scrolling for
# its main controls. "cloud" holds the tiers and the routing rules too; "ui" (General) the
# chat's instructions, offline mode and the download mirror.
SECTION_TITLES = {"ui": "General", "local": "Model", "cloud": "Cloud", "privacy": "Privacy",
                  "accounting": "Costs", "documents": "Documents", "server": "Other apps"}
# Sections shown on another section's page.
_ON_PAGE_OF = {"tiers": "cloud", "routing": "cloud", "chat": "ui", "network": "ui",
               "models": "ui"}
# Fields under "Advanced" (folded away until asked for): tuning most people never touch.
ADVANCED = frozenset({"local.batch_size", "local.repack", "local.kv_cache_type",
                      "local.flash_attention", "local.prompt_lookup"})
# Fields that take the page's whole width (long text); the others go two to a row.
_FULL_WIDTH = frozenset({"local.model_path", "chat.system_prompt"})
_SIZE = (860, 620)  # the dialog's size where the screen has room; never taller than it

Value = str | int | float | bool


class SettingsDialog(QDialog):
    """One tab per section of the schema; OK and Apply save through ``Settings.set``.

    ``keys`` is the keyring the Cloud page stores keys in, ``jobs`` runs its keyring calls and
    connection tests off the GUI thread, ``audit`` records those tests.

    Only the fields the user changed are saved, so a value another process changed while the
    dialog was open is never written back; a field the user has not touched follows such a
    change. Fields the organisation's policy pins are disabled, with the reason beside them.

    Signals:
        applied(list): the keys whose values were changed.
    """

    applied = Signal(list)
    _setting_changed = Signal(str)  # from any thread's settings listener to the GUI thread

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 keys: KeyStore | None = None, jobs: JobRunner | None = None,
                 audit: AuditLog | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.resize(*_SIZE)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        layout.addWidget(self.tabs, 1)
        self.editors: dict[str, SettingEditor] = {}
        self.jobs = jobs or JobRunner(self)
        self.cloud_page = CloudPage(settings, keys or KeyStore(), self.jobs, self.apply,
                                    audit=audit)
        self.privacy_page = PrivacyPage()
        for section in _sections():
            page = self._page(section)
            self.tabs.addTab(page, SECTION_TITLES.get(section, section.capitalize()))

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
        guard_wheel(self)  # a setting changes by a click or a key, never by scrolling past it
        self._shown: dict[str, Value] = {}  # each field's value as loaded from the settings
        self.load_values()
        for editor in self.editors.values():  # "Saved." is no longer true once a field changes
            editor.on_edited(self.result_label.clear)
        self._setting_changed.connect(self._follow)
        settings.subscribe(self._on_setting_changed)
        self.destroyed.connect(partial(settings.unsubscribe, self._on_setting_changed))

    def editor(self, key: str) -> SettingEditor:
        return self.editors[key]

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Opened (again): no message from last time, and no taller or wider than the
        screen."""
        super().showEvent(event)
        self.result_label.clear()
        self.cloud_page.clear_results()
        screen = self.screen()
        if screen is not None:
            room = screen.availableGeometry()
            # Leave room for the title bar the window system adds.
            self.resize(min(self.width(), room.width()), min(self.height(), room.height() - 40))

    def show_section(self, title: str) -> None:
        """Bring the tab called ``title`` ("Cloud", "Privacy" …) to the front."""
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                self.tabs.setCurrentIndex(index)
                return

    def load_values(self) -> None:
        for key, editor in self.editors.items():
            self._load(key, editor)
            editor.show_error("")

    def restore_defaults(self) -> None:
        """Put every field back to its default; nothing is saved until Apply or OK. Fields
        the policy pins keep their value."""
        for editor in self.editors.values():
            if not editor.locked:
                editor.set_value(self._settings.default(editor.setting.key))
            editor.show_error("")
        self.result_label.setText("Defaults restored in the form; Apply or OK saves them.")

    def apply(self, only: Iterable[str] | None = None) -> bool:
        """Save every changed value (or those of ``only``); False (and the reason beside the
        field) if one is refused."""
        wanted = set(only) if only is not None else None
        changed: list[str] = []
        ok = True
        for key, editor in self.editors.items():
            if wanted is not None and key not in wanted:
                continue
            value = editor.value()
            if editor.locked or value == self._shown.get(key):  # not changed by the user
                editor.show_error("")
                continue
            current = self._settings.get(key)
            if isinstance(value, float) and isinstance(current, int | float):
                current = round(float(current), decimals_for(editor.setting))  # as shown
            if value == current:
                self._shown[key] = value
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
            self._shown[key] = editor.value()
            editor.show_error("")
            changed.append(key)
        if not ok:
            self.result_label.setText("Some values were not saved: see the fields marked.")
        elif changed:
            reload = any(ModelSlot.affects_engine(k) for k in changed)
            self.result_label.setText("Saved. The model reloads with the new settings."
                                      if reload else "Saved.")
        elif wanted is None:
            self.result_label.setText("Nothing changed.")
        if wanted is None:
            for field in (self.cloud_page.private.key, self.cloud_page.frontier.key):
                if field.pending_key():  # a key typed and not stored: OK means store it
                    self.cloud_page.store_key(field.provider, field.pending_key())
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

    # -- following the settings ------------------------------------------------------------

    def _load(self, key: str, editor: SettingEditor) -> None:
        editor.set_value(self._settings.get(key))
        editor.show_policy(self._settings.locked_reason(key),
                           self._settings.allowed_values(key))
        self._shown[key] = editor.value()

    def _on_setting_changed(self, key: str, _value: Value) -> None:
        self._setting_changed.emit(key)

    @Slot(str)
    def _follow(self, key: str) -> None:
        """A setting changed (here, in another process or in the policy): a field the user
        has not edited shows the new value; every field shows whether the policy pins it."""
        for name, editor in self.editors.items():
            untouched = editor.value() == self._shown.get(name)
            if name == key and untouched:
                self._load(name, editor)
            else:
                editor.show_policy(self._settings.locked_reason(name),
                                   self._settings.allowed_values(name))

    # -- building --------------------------------------------------------------------------

    def _page(self, section: str) -> QWidget:
        if section == "cloud":
            self.editors.update(self.cloud_page.editors)
            return self.cloud_page
        if section == "privacy":
            self.editors.update(self.privacy_page.editors)
            return self.privacy_page
        if section == "documents":  # the model for meaning, the largest file read
            self.documents_page = DocumentsPage(self._settings, self.jobs)
            self.editors.update(self.documents_page.editors)
            return self.documents_page
        if section == "server":  # the local server for other apps (server_page.py)
            self.server_page = ServerPage(self._settings, self.jobs)
            self.editors.update(self.server_page.editors)
            return self.server_page
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(3)
        shown = [s for s in SCHEMA if _ON_PAGE_OF.get(s.section, s.section) == section]
        main = [s for s in shown if s.key not in ADVANCED]
        advanced = [s for s in shown if s.key in ADVANCED]
        column.addLayout(self._grid(main, page))
        if advanced:
            folded = QWidget(page)
            folded.setLayout(self._grid(advanced, folded))
            folded.hide()
            toggle = QToolButton(page)
            toggle.setText("Advanced")
            toggle.setCheckable(True)
            toggle.setArrowType(Qt.ArrowType.RightArrow)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setAutoRaise(True)
            toggle.setAccessibleName("Show the advanced settings")
            toggle.toggled.connect(folded.setVisible)
            toggle.toggled.connect(lambda on, t=toggle: t.setArrowType(
                Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow))
            column.addWidget(toggle)
            column.addWidget(folded)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        return scroll


    def _grid(self, settings: list[Setting], parent: QWidget) -> QGridLayout:
        """The fields of ``settings``, two to a row (long text fields on a row of their
        own), each with its caption, help and error under it."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        row = col = 0
        for setting in settings:
            editor = make_editor(setting, parent)
            self.editors[setting.key] = editor
            cell = QVBoxLayout()
            cell.setSpacing(3)
            add_field(cell, editor)
            cell.addStretch(1)
            if setting.key in _FULL_WIDTH:
                if col:
                    row, col = row + 1, 0
                grid.addLayout(cell, row, 0, 1, 2)
                row += 1
                continue
            grid.addLayout(cell, row, col)
            row, col = (row, 1) if col == 0 else (row + 1, 0)
        return grid


def _sections() -> list[str]:
    found = list(dict.fromkeys(_ON_PAGE_OF.get(s.section, s.section) for s in SCHEMA))
    known = [s for s in SECTION_TITLES if s in found]
    return known + [s for s in found if s not in SECTION_TITLES]
