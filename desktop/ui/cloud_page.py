"""The Cloud page of the settings: whether questions may leave, where to, with which key.

    escalation switch ─ explained in plain words the first time it is turned on
    private tier      ─ server address, model, optional key, Test connection
    frontier tier     ─ provider, model, API address, key, Test connection
    when to use them  ─ difficulty threshold, cascade
    connection        ─ timeouts, retries

Keys go from their masked field to the OS keyring (on a job, as a keyring may block); the page
only ever learns whether a key is stored. Test connection saves the tier's fields, then sends
one word off the GUI thread and reports the host, the model and the round trip, or the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.accounting.list_prices import GenaiPrices
from desktop.core.audit import AuditLog
from desktop.core.cloud import OFFICIAL_URLS, KeyStore
from desktop.core.cloud.checks import (
    ConnectionReport,
    KeyStatus,
    check_connection,
    key_status,
    remove_key,
    store_key,
)
from desktop.core.settings import Settings, setting_for
from desktop.ui.cloud_tier import KeyField, TierBox
from desktop.ui.jobs import JobRunner
from desktop.ui.notices import scrub
from desktop.ui.settings_fields import SettingEditor, add_field, make_editor

ESCALATION = "cloud.escalation"
# Where the user's acknowledgement of the explanation is kept (not a field of the dialog).
EXPLAINED = "cloud.escalation_explained"
TIER_KEYS = {
    "private": ("tiers.private.base_url", "tiers.private.model"),
    "frontier": ("tiers.frontier.provider", "tiers.frontier.model", "tiers.frontier.base_url"),
}
ROUTING_KEYS = ("routing.difficulty_threshold", "routing.cascade",
                "routing.min_token_probability")
CONNECTION_KEYS = ("cloud.connect_timeout_s", "cloud.read_timeout_s", "cloud.idle_timeout_s",
                   "cloud.total_timeout_s", "cloud.max_retries")

EXPLANATION = (
    "<p><b>What turning this on means</b></p>"
    "<p>Until now every answer was computed on this computer and nothing you typed left it. "
    "With this on, Hearth may send a question to the private server or the cloud provider you "
    "set up on this page. What is sent is the question, the earlier messages of its "
    "conversation and your instructions to the model — the exact text is on each answer's "
    "receipt, with the address it went to.</p>"
    "<p><b>When a question leaves</b></p>"
    "<ul><li>when you ask for it on an answer (“Ask the frontier tier”);</li>"
    "<li>when a question looks too hard for the model here (you choose how hard below);</li>"
    "<li>when an answer from here looks unsure, if you choose that below.</li></ul>"
    "<p><b>When it never leaves</b></p>"
    "<ul><li>while offline mode is on, or in a chat you locked to this device;</li>"
    "<li>once this month's cloud budget is spent;</li>"
    "<li>when it holds sensitive data your privacy settings keep here — by default every "
    "kind (card numbers, e-mail addresses, health details, …).</li></ul>"
    "<p>The provider handles what it receives under its own terms. You can turn this off at "
    "any time.</p>"
)

def escalation_explained(settings: Settings) -> bool:
    return settings.get_bool(EXPLAINED)


def mark_escalation_explained(settings: Settings) -> None:
    settings.set(EXPLAINED, True)


class EscalationExplanation(QDialog):
    """What leaves the device and when, said before questions are first let leave it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Let questions leave this device?")
        self.setAccessibleName("What letting questions leave this device means")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        self.text = QLabel(EXPLANATION)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(self)
        self.turn_on = buttons.addButton("Turn it on", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_off = buttons.addButton("Keep it off", QDialogButtonBox.ButtonRole.RejectRole)
        self.keep_off.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class CloudPage(QScrollArea):
    """The escalation switch, both tiers, their keys and tests, and when to use them.

    ``editors`` holds a ``SettingEditor`` per setting shown, for the dialog to load and save;
    ``apply(keys)`` is the dialog's way to save some of them (before a connection test).
    """

    def __init__(self, settings: Settings, keys: KeyStore, jobs: JobRunner,
                 apply: Callable[[Iterable[str]], bool], *, audit: AuditLog | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._keys = keys
        self._jobs = jobs
        self._apply = apply
        self._audit = audit
        self._checked_keys = False
        self.explanation: EscalationExplanation | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(10)
        self.editors: dict[str, SettingEditor] = {}

        escalation = self._editor(ESCALATION, page)
        switch_box = escalation.widget
        assert isinstance(switch_box, QCheckBox)
        self.escalation: QCheckBox = switch_box
        switch = QVBoxLayout()
        switch.setSpacing(3)
        add_field(switch, escalation, help_text=(
            "Off (the default): every answer is computed on this computer and nothing leaves "
            "it. On: questions may go to the tiers below, as the rules under “When to use a "
            "cloud tier” and your privacy settings allow. Each answer's receipt says where it "
            "was computed and what was sent."))
        column.addLayout(switch)
        # Clicks only: loading a saved "on" into the form explains nothing.
        self.escalation.clicked.connect(self._on_escalation_clicked)

        self.private = TierBox(
            "Private tier — your own server", "private",
            [self._editor(key, page) for key in TIER_KEYS["private"]],
            KeyField(lambda: "private", optional=True),
            "Any OpenAI-compatible server running open models: llama.cpp server, vLLM, Ollama, "
            "or a hosted one. Used first when it is set up.")
        self.frontier = TierBox(
            "Frontier tier — a cloud model", "frontier",
            [self._editor(key, page) for key in TIER_KEYS["frontier"]],
            KeyField(self._frontier_provider, optional=False),
            "Anthropic, OpenAI or Google Gemini, for what the private tier cannot answer. The "
            "API address is the provider's own unless you use a gateway or proxy.")
        combo = self.editors["tiers.frontier.provider"].widget
        assert isinstance(combo, QComboBox)
        self.provider_combo: QComboBox = combo
        self.provider_combo.currentIndexChanged.connect(self._on_provider_changed)
        self._on_provider_changed()
        # Side by side, two to a row: the switch and both tiers fit a 600-pixel-high screen.
        tiers = QHBoxLayout()
        tiers.setSpacing(10)
        for box in (self.private, self.frontier):
            tiers.addWidget(box, 1, Qt.AlignmentFlag.AlignTop)
            box.key.store_requested.connect(self.store_key)
            box.key.remove_requested.connect(self.remove_key)
            box.test_button.clicked.connect(partial(self.test_connection, box.tier))
            for key in TIER_KEYS[box.tier]:  # a result no longer true once a field changes
                self.editors[key].on_edited(box.clear_result)
            box.key.edit.textChanged.connect(box.clear_result)
        column.addLayout(tiers)
        rules = QHBoxLayout()
        rules.setSpacing(10)
        rules.addWidget(self._group("When to use a cloud tier", ROUTING_KEYS, page), 1,
                        Qt.AlignmentFlag.AlignTop)
        rules.addWidget(self._group("Connection", CONNECTION_KEYS, page), 1,
                        Qt.AlignmentFlag.AlignTop)
        column.addLayout(rules)
        column.addStretch(1)
        self.setWidget(page)
        model = self.editors["tiers.frontier.model"].widget
        assert isinstance(model, QComboBox)
        self.model_combo: QComboBox = model
        self._model_lists: dict[str, tuple[str, ...]] = {}

    # -- building ----------------------------------------------------------------------------

    def _editor(self, key: str, parent: QWidget) -> SettingEditor:
        editor = make_editor(setting_for(key), parent)
        self.editors[key] = editor
        return editor

    def _group(self, title: str, keys: Iterable[str], parent: QWidget) -> QGroupBox:
        box = QGroupBox(title, parent)
        column = QVBoxLayout(box)
        column.setSpacing(3)
        for key in keys:
            add_field(column, self._editor(key, box))
        return box

    def _frontier_provider(self) -> str:
        return str(self.editors["tiers.frontier.provider"].value())

    @Slot()
    def _on_provider_changed(self) -> None:
        provider = str(self.editors["tiers.frontier.provider"].value())
        url = self.editors["tiers.frontier.base_url"].widget
        assert isinstance(url, QLineEdit)
        url.setPlaceholderText(f"{OFFICIAL_URLS.get(provider, '')} (the official address)")
        self.frontier.key.caption.setText(f"{self.provider_combo.currentText()} API key")
        self.frontier.key.show_status(self.frontier.key.status)
        if hasattr(self, "model_combo"):
            self._fill_models()

    def _fill_models(self) -> None:
        """Offer the chosen provider's models from the bundled price data; the name typed
        stays, whether the list has it or not."""
        combo = self.model_combo
        typed = combo.currentText()
        names = self._model_lists.get(self._frontier_provider(), ())
        combo.blockSignals(True)  # refilling the list is not an edit
        combo.clear()
        combo.addItems(list(names))
        combo.setCurrentIndex(-1)  # the list suggests; the text typed is the value
        combo.setEditText(typed)
        combo.blockSignals(False)

    def _load_model_lists(self) -> None:
        """Read the providers' model lists on a job: the price data takes a moment to load."""
        def work() -> dict[str, tuple[str, ...]]:
            prices = GenaiPrices()
            return {provider: prices.models(provider) for provider in OFFICIAL_URLS}

        def done(lists: dict[str, tuple[str, ...]]) -> None:
            self._model_lists = lists
            self._fill_models()

        self._jobs.run(work, on_done=done, on_failed=lambda _message: None, context=self)

    # -- the escalation switch -------------------------------------------------------------

    @Slot(bool)
    def _on_escalation_clicked(self, on: bool) -> None:
        if not on or escalation_explained(self._settings):
            return
        self.escalation.setChecked(False)  # until the user has read what it means
        self.explanation = EscalationExplanation(self)
        self.explanation.finished.connect(self._on_explained)
        self.explanation.open()

    @Slot(int)
    def _on_explained(self, result: int) -> None:
        self.explanation = None
        if result == QDialog.DialogCode.Accepted.value:
            mark_escalation_explained(self._settings)
            self.escalation.setChecked(True)

    # -- keys ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._checked_keys:  # the keyring is asked only once the page is looked at
            self.refresh_keys()
            self._load_model_lists()

    def clear_results(self) -> None:
        """Forget the connection tests' results (the dialog is opened again)."""
        for box in (self.private, self.frontier):
            box.clear_result()

    def refresh_keys(self) -> None:
        self._checked_keys = True
        for box in (self.private, self.frontier):
            box.key.show_status(None)
        self._jobs.run(partial(key_status, self._keys), on_done=self._show_keys,
                       on_failed=self._key_failed, context=self)

    @Slot(str, str)
    def store_key(self, provider: str, key: str) -> None:
        field = self._key_field(provider)
        field.store_button.setEnabled(False)
        field.state.setText("Storing the key…")

        def stored(status: KeyStatus) -> None:
            field.key_stored()
            self._show_keys(status)

        self._jobs.run(partial(store_key, self._keys, provider, key), on_done=stored,
                       on_failed=partial(self._key_failed, field=field), context=self)

    @Slot(str)
    def remove_key(self, provider: str) -> None:
        self._jobs.run(partial(remove_key, self._keys, provider), on_done=self._show_keys,
                       on_failed=partial(self._key_failed, field=self._key_field(provider)),
                       context=self)

    def _key_field(self, provider: str) -> KeyField:
        return self.private.key if provider == "private" else self.frontier.key

    def _show_keys(self, status: KeyStatus) -> None:
        for box in (self.private, self.frontier):
            box.key.show_status(status)

    def _key_failed(self, message: str, field: KeyField | None = None) -> None:
        for target in [field] if field is not None else [self.private.key, self.frontier.key]:
            target.show_error(scrub(message) or "The keyring could not be used.")
            target.show_status(target.status)

    # -- connection tests ------------------------------------------------------------------

    def test_connection(self, tier: str) -> None:
        """Save the tier's fields (and a key typed for it), then test it on a job."""
        box = self.private if tier == "private" else self.frontier
        if not self._apply(TIER_KEYS[tier]):
            box.show_result("Fix the fields marked above first.", ok=False)
            return
        pending = box.key.pending_key()
        provider = box.key.provider
        box.test_button.setEnabled(False)
        box.show_result("Testing the connection…", ok=None)
        keys, settings, audit = self._keys, self._settings, self._audit

        def work() -> ConnectionReport:
            if pending:
                store_key(keys, provider, pending)
            return check_connection(box.tier, settings, keys, audit)  # type: ignore[arg-type]

        def done(report: ConnectionReport) -> None:
            box.test_button.setEnabled(True)
            if pending:
                box.key.key_stored()
                self.refresh_keys()
            box.show_result(f"Connected to {report.host}: {report.model} answered in "
                            f"{report.latency_s:.2f} s.", ok=True)

        def failed(message: str) -> None:
            box.test_button.setEnabled(True)
            box.show_result(scrub(message) or "The test failed because of a bug in Hearth.",
                            ok=False)

        self._jobs.run(work, on_done=done, on_failed=failed, context=self)
