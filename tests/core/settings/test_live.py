"""Settings as one live store: two ``Settings`` on one file behave as two Hearth processes do
(each re-reads on change and writes only its own key). Real separate processes:
test_processes.py and tests/cli/test_config_live.py."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from desktop.core.audit import AuditLog, watch_privacy_settings
from desktop.core.settings import Settings


def _file(settings: Settings) -> dict[str, object]:
    return tomllib.loads(settings.path.read_text(encoding="utf-8"))


def test_a_change_saved_elsewhere_is_seen_at_the_next_get() -> None:
    window, terminal = Settings(), Settings()
    window.set("cloud.escalation", True)
    assert terminal.get_bool("cloud.escalation") is True
    terminal.set("cloud.escalation", False)
    assert window.get_bool("cloud.escalation") is False
    assert window.is_default("local.threads")  # nothing else appeared


def test_a_write_changes_only_its_own_key() -> None:
    window, terminal = Settings(), Settings()
    window.set("cloud.escalation", True)
    window.set("local.threads", 3)
    terminal.set("cloud.escalation", False)
    window.set("ui.theme", "dark")  # an unrelated change must not bring escalation back
    document = _file(window)
    assert document["ui"] == {"theme": "dark"}
    assert document["local"] == {"threads": 3}
    assert "cloud" not in document  # false is the default, so it is not written
    assert Settings().get_bool("cloud.escalation") is False


def test_refresh_tells_listeners_what_another_process_changed() -> None:
    window, terminal = Settings(), Settings()
    heard: list[tuple[str, object]] = []
    window.subscribe(lambda key, value: heard.append((key, value)))
    terminal.set("network.offline", True)
    terminal.set("ui.font_size", 15)
    assert sorted(window.refresh()) == ["network.offline", "ui.font_size"]
    assert sorted(heard) == [("network.offline", True), ("ui.font_size", 15)]
    assert window.refresh() == []  # heard once, not at every refresh
    terminal.reset("ui.font_size")
    assert window.refresh() == ["ui.font_size"] and heard[-1] == ("ui.font_size", 11)


def test_a_get_between_refreshes_does_not_swallow_the_notification() -> None:
    window, terminal = Settings(), Settings()
    heard: list[str] = []
    window.subscribe(lambda key, _value: heard.append(key))
    terminal.set("cloud.escalation", True)
    assert window.get_bool("cloud.escalation") is True  # the router read it first
    assert window.refresh() == ["cloud.escalation"] and heard == ["cloud.escalation"]


def test_a_set_also_reports_what_it_found_changed_elsewhere() -> None:
    window, terminal = Settings(), Settings()
    heard: list[str] = []
    window.subscribe(lambda key, _value: heard.append(key))
    terminal.set("network.offline", True)
    window.set("ui.theme", "light")
    assert heard == ["network.offline", "ui.theme"]


def test_own_changes_only_listeners_skip_other_processes_changes() -> None:
    window, terminal = Settings(), Settings()
    own: list[str] = []
    window.subscribe(lambda key, _value: own.append(key), own_changes_only=True)
    terminal.set("network.offline", True)
    window.refresh()
    window.set("ui.theme", "dark")
    assert own == ["ui.theme"]


def test_a_file_broken_while_running_keeps_the_last_values_and_is_kept(
        hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    settings = Settings()
    settings.set("network.offline", True)
    settings.path.write_text("[network\noffline = ", encoding="utf-8")  # a hand edit, half done
    assert settings.get_bool("network.offline") is True  # not back to the default (false)
    assert any("could not be read" in p for p in settings.problems)
    assert Settings().get_bool("network.offline") is False  # a fresh process: defaults
    settings.set("ui.theme", "dark")
    kept = list(config.glob("settings.toml.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "[network\noffline = "
    assert _file(settings) == {"schema_version": 1, "network": {"offline": True},
                               "ui": {"theme": "dark"}}
    assert settings.problems == []


def test_settings_of_a_newer_hearth_are_kept_when_another_key_is_written(
        hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    config.mkdir()
    (config / "settings.toml").write_text(
        '[ui]\ntheme = "dark"\nsparkles = true\n[future]\nmode = "fast"\n', encoding="utf-8")
    settings = Settings()
    assert len(settings.problems) == 2
    settings.set("ui.font_size", 13)
    assert _file(settings) == {"schema_version": 1, "future": {"mode": "fast"},
                               "ui": {"font_size": 13, "sparkles": True, "theme": "dark"}}


def test_a_privacy_change_is_audited_once_by_the_process_that_made_it() -> None:
    log = AuditLog()
    window, terminal = Settings(), Settings()
    watch_privacy_settings(window, log)
    watch_privacy_settings(terminal, log)
    terminal.set("privacy.email", "redact")
    window.refresh()  # the window hears of it, and does not record it again
    window.set("privacy.email", "ask")
    records = [json.loads(line) for line in log.lines()]
    assert [(r["key"], r["old"], r["new"]) for r in records] == [
        ("privacy.email", "keep_local", "redact"), ("privacy.email", "redact", "ask")]
