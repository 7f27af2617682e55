"""The settings dialog is generated from the schema and saves through the core's validation."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QScrollArea,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from desktop.core.errors import ConfigError
from desktop.core.routing import KINDS
from desktop.core.settings import SCHEMA, Settings
from desktop.ui.cloud_page import EXPLAINED
from desktop.ui.settings_dialog import SettingsDialog, label_for, when_applied


def _dialog(qtbot: QtBot, settings: Settings) -> SettingsDialog:
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_every_setting_has_a_field_in_its_section(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings())
    assert set(dialog.editors) == {s.key for s in SCHEMA} - {EXPLAINED}
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert tabs[:5] == ["General", "Model", "Cloud", "Privacy", "Costs"]
    assert isinstance(dialog.editor("ui.theme").widget, QComboBox)
    assert isinstance(dialog.editor("local.threads").widget, QSpinBox)
    assert isinstance(dialog.editor("local.temperature").widget, QDoubleSpinBox)
    for setting in (s for s in SCHEMA if s.key != EXPLAINED):
        widget = dialog.editor(setting.key).widget
        assert widget.accessibleName() == label_for(setting)
        assert widget.toolTip() == f"{setting.description}\nSetting: {setting.key}"
        if setting.kind is bool:
            assert isinstance(widget, QCheckBox)


def test_fields_show_the_current_values_and_their_limits(qtbot: QtBot) -> None:
    settings = Settings()
    settings.set("local.context_size", 2048)
    settings.set("local.temperature", 0.25)
    dialog = _dialog(qtbot, settings)
    context = dialog.editor("local.context_size")
    assert context.value() == 2048
    spin = context.widget
    assert isinstance(spin, QSpinBox) and spin.minimum() == 256
    assert dialog.editor("local.temperature").value() == 0.25
    threads = dialog.editor("local.threads").widget
    assert isinstance(threads, QSpinBox) and threads.specialValueText() == "Automatic"
    assert dialog.editor("ui.theme").value() == "system"


def test_apply_saves_what_changed_and_says_how_it_takes_effect(qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings)
    with qtbot.waitSignal(dialog.applied) as applied:
        dialog.editor("local.context_size").set_value(8192)
        dialog.editor("chat.system_prompt").set_value("Be brief.")
        assert dialog.apply()
    assert sorted(applied.args[0]) == ["chat.system_prompt", "local.context_size"]
    assert Settings().get_int("local.context_size") == 8192  # written to the file
    assert Settings().get_str("chat.system_prompt") == "Be brief."
    assert dialog.result_label.text() == "Saved. The model reloads with the new settings."
    assert dialog.apply() and dialog.result_label.text() == "Nothing changed."
    by_key = {s.key: s for s in SCHEMA}
    assert "reloads the model" in when_applied(by_key["local.context_size"])
    assert when_applied(by_key["ui.theme"]) == ""


def test_a_refused_value_is_explained_beside_its_field(qtbot: QtBot,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings)
    real_set = settings.set

    def refuse_prompts(key: str, value: object) -> object:
        if key == "chat.system_prompt":
            raise ConfigError("chat.system_prompt is too long")
        return real_set(key, value)

    monkeypatch.setattr(settings, "set", refuse_prompts)
    dialog.editor("chat.system_prompt").set_value("x" * 10)
    dialog.editor("ui.font_size").set_value(14)
    assert not dialog.apply()
    error = dialog.editor("chat.system_prompt").error
    assert error.text() == "chat.system_prompt is too long" and not error.isHidden()
    assert settings.get_int("ui.font_size") == 14  # the valid change was kept
    assert "not saved" in dialog.result_label.text()


def test_restore_defaults_fills_the_form_but_saves_nothing_until_ok(qtbot: QtBot) -> None:
    settings = Settings()
    settings.set("ui.font_size", 20)
    dialog = _dialog(qtbot, settings)
    dialog.restore_defaults()
    assert dialog.editor("ui.font_size").value() == 11
    assert settings.get_int("ui.font_size") == 20
    dialog.accept()
    assert settings.get_int("ui.font_size") == 11 and not dialog.isVisible()


def test_the_privacy_page_has_a_policy_for_each_kind_of_sensitive_data(qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings)
    dialog.show_section("Privacy")
    page = dialog.privacy_page
    assert dialog.tabs.currentWidget() is page
    assert page.table.rowCount() == len(KINDS)
    kinds = [page.table.item(row, 0).text() for row in range(page.table.rowCount())]
    assert kinds[KINDS.index("phone")] == "Phone numbers"
    assert kinds[KINDS.index("payment_card")] == "Payment card numbers"
    combo = page.policy_combo("phone")
    assert isinstance(combo, QComboBox) and combo.currentData() == "keep_local"
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Keep on this device", "Replace it, then send", "Ask me each time"]
    combo.setCurrentIndex(combo.findData("ask"))
    dialog.editor("privacy.custom_terms").set_value("Project Falcon, Acme")
    assert dialog.apply()
    assert Settings().get_str("privacy.phone") == "ask"
    assert Settings().get_str("privacy.custom_terms") == "Project Falcon, Acme"


def test_no_setting_name_or_internal_term_is_shown_on_any_page(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings())
    shown = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    shown += [box.text() for box in dialog.findChildren(QCheckBox)]
    keys = {s.key for s in SCHEMA}
    for text in shown:
        assert not any(key in text for key in keys), text
        for term in ("geometric mean", "-2 as many", "ISO", "(429)", "loopback", "class '"):
            assert term not in text, text
    # The names are still there for whoever wants them: in each field's tooltip.
    assert "Setting: local.gpu_layers" in dialog.editor("local.gpu_layers").widget.toolTip()


def test_saved_is_cleared_by_the_next_edit_and_by_reopening(qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings)
    dialog.editor("ui.font_size").set_value(13)
    assert dialog.apply() and dialog.result_label.text() == "Saved."
    dialog.editor("ui.font_size").set_value(14)  # "Saved." would now be untrue
    assert dialog.result_label.text() == ""
    assert dialog.apply() and dialog.result_label.text() == "Saved."
    dialog.hide()
    dialog.show()
    assert dialog.result_label.text() == ""


def test_every_page_fits_a_600_pixel_high_screen(qtbot: QtBot) -> None:
    """At 900 × 600 the dialog is no taller than the screen, and no page needs scrolling to
    reach its main controls: the generated pages not at all, the Cloud page's tiers and their
    Test buttons, the Privacy page's table."""
    dialog = _dialog(qtbot, Settings())
    dialog.resize(900, 2000)
    dialog.hide()
    dialog.show()  # showing caps it to the screen (the offscreen screen is 800 × 600)
    screen = dialog.screen().availableGeometry()
    assert dialog.height() <= screen.height() and dialog.width() <= screen.width()
    dialog.resize(min(900, screen.width()), 560)  # a 600-pixel screen less its title bar
    for title in ("General", "Model", "Costs", "Cloud", "Privacy"):
        dialog.show_section(title)
        page = dialog.tabs.currentWidget()
        assert isinstance(page, QScrollArea)
        qtbot.waitUntil(lambda p=page: p.viewport().height() > 0)
        viewport = page.viewport()
        if title == "Cloud":
            main = [dialog.cloud_page.private.test_button, dialog.cloud_page.frontier.test_button]
        elif title == "Privacy":
            main = [dialog.privacy_page.policy_combo(k) for k in KINDS]
        else:
            main = [e.widget for e in dialog.editors.values()
                    if page.isAncestorOf(e.widget) and e.widget.isVisible()]
        assert main
        for widget in main:
            bottom = widget.mapTo(viewport, widget.rect().bottomLeft()).y()
            assert bottom <= viewport.height(), (title, widget.accessibleName(), bottom)
