"""The audit log: records, the hash chain, tamper detection, and appends from two processes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop.core.audit import GENESIS, AuditLog, is_privacy_setting, watch_privacy_settings
from desktop.core.audit._chain import canonical
from desktop.core.settings import Settings

REPO = Path(__file__).resolve().parents[3]


class Ticking:
    """A UTC clock one minute further at every reading."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path / "data", clock=Ticking())
    log.record_outbound(host="api.example.com", payload="hello ⟨EMAIL_1⟩",
                        finding_classes=["email", "email", "phone"], decision="redacted")
    log.record_setting_change("network.offline", False, True)
    log.record_network_blocked(host="192.0.2.1", port=443, event="socket.connect")
    log.record_outbound(host="api.example.com", payload=b"\x00\x01", finding_classes=[],
                        decision="sent")
    log.record_setting_change("routing.policy.email", "keep_local", "redact", text_is_safe=True)
    return log


def sealed_line(fields: dict[str, object]) -> bytes:
    """A record line as an attacker who knows the format would forge it."""
    record = dict(fields)
    record["hash"] = hashlib.sha256(canonical(record)).hexdigest()
    return canonical(record)


def lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def rewrite(log: AuditLog, new: list[bytes]) -> None:
    log.path.write_bytes(b"".join(new))


def test_records_hold_their_fields_and_chain(log: AuditLog) -> None:
    records = [json.loads(line) for line in lines(log)]
    assert [r["type"] for r in records] == ["outbound_request", "privacy_setting_change",
                                            "network_blocked", "outbound_request",
                                            "privacy_setting_change"]
    first = records[0]
    payload = "hello ⟨EMAIL_1⟩".encode()
    assert first["bytes"] == len(payload) and first["host"] == "api.example.com"
    assert first["payload_sha256"] == hashlib.sha256(payload).hexdigest()
    assert first["finding_classes"] == ["email", "phone"] and first["decision"] == "redacted"
    assert first["prev"] == GENESIS and first["time"] == "2026-11-24T10:01:00.000000Z"
    assert "hello" not in log.path.read_text(encoding="ascii")  # the payload never is stored
    assert records[1]["key"] == "network.offline" and records[1]["new"] is True
    assert records[4]["old"] == "keep_local" and records[4]["new"] == "redact"
    assert log.verify().ok and log.verify().records == 5


def test_free_text_and_credentials_are_never_written(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.record_setting_change("privacy.custom_terms", "", "Project Falcon, ACME Corp")
    log.record_setting_change("cloud.api_key", "sk-old", "sk-new", text_is_safe=True)
    text = log.path.read_text(encoding="ascii")
    assert "Falcon" not in text and "sk-" not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["new"] == "(text, 25 characters)"
    assert second["old"] == second["new"] == "(not recorded)"


def test_an_empty_or_missing_log_is_intact(tmp_path: Path) -> None:
    result = AuditLog(tmp_path).verify()
    assert result.ok and result.records == 0 and result.first_bad_line is None


def test_editing_one_byte_is_found_on_that_line(log: AuditLog) -> None:
    content = lines(log)
    content[1] = content[1].replace(b'"new":true', b'"new":false')
    rewrite(log, content)
    result = log.verify()
    assert not result.ok and result.first_bad_line == 2 and result.records == 1
    assert "edited" in (result.problem or "")


def test_editing_the_newest_record_is_found(log: AuditLog) -> None:
    content = lines(log)
    content[-1] = content[-1].replace(b'"redact"', b'"sent!!"')
    rewrite(log, content)
    assert log.verify().first_bad_line == 5


def test_reformatting_a_line_counts_as_an_edit(log: AuditLog) -> None:
    content = lines(log)
    content[2] = json.dumps(json.loads(content[2]), indent=None).encode() + b"\n"
    rewrite(log, content)
    assert log.verify().first_bad_line == 3


def test_deleting_a_record_breaks_the_chain_after_it(log: AuditLog) -> None:
    content = lines(log)
    del content[1]
    rewrite(log, content)
    result = log.verify()
    assert not result.ok and result.first_bad_line == 2
    assert "deleted, inserted or moved" in (result.problem or "")


def test_deleting_the_first_record_is_found(log: AuditLog) -> None:
    rewrite(log, lines(log)[1:])
    result = log.verify()
    assert result.first_bad_line == 1 and "start of the log" in (result.problem or "")


def test_deleting_the_newest_records_is_found_through_the_head(log: AuditLog) -> None:
    rewrite(log, lines(log)[:-2])
    result = log.verify()
    assert not result.ok and result.records == 3
    assert "2 record(s) were deleted from the end" in (result.problem or "")


def test_emptying_the_log_is_found(log: AuditLog) -> None:
    rewrite(log, [])
    assert not log.verify().ok


def test_swapping_two_records_is_found(log: AuditLog) -> None:
    content = lines(log)
    content[1], content[2] = content[2], content[1]
    rewrite(log, content)
    assert log.verify().first_bad_line == 2


def test_inserting_a_record_is_found(log: AuditLog) -> None:
    content = lines(log)
    content.insert(3, content[0])
    rewrite(log, content)
    assert log.verify().first_bad_line == 4


def test_a_truncated_last_line_is_found(log: AuditLog) -> None:
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-40])
    result = log.verify()
    assert not result.ok and result.first_bad_line == 5 and "truncated" in (result.problem or "")


def test_a_missing_head_with_several_records_is_reported(log: AuditLog) -> None:
    log.head_path.unlink()
    result = log.verify()
    assert not result.ok and "head" in (result.problem or "")


def test_a_crash_between_append_and_head_update_is_not_tampering(log: AuditLog) -> None:
    head_before = log.head_path.read_bytes()
    log.record_outbound(host="h", payload="p", finding_classes=[], decision="sent")
    log.head_path.write_bytes(head_before)  # as if the process died before updating it
    assert log.verify().ok
    log.record_outbound(host="h", payload="q", finding_classes=[], decision="sent")
    result = log.verify()
    assert result.ok and result.records == 7  # the next append counted the lines itself


def test_appending_after_a_torn_line_keeps_the_damage_visible(log: AuditLog) -> None:
    log.path.write_bytes(log.path.read_bytes()[:-40])  # a crash mid-write
    log.record_outbound(host="h", payload="p", finding_classes=[], decision="sent")
    content = lines(log)
    # The torn line, a note that the log no longer matched its head, the new record.
    assert len(content) == 7 and content[-1].endswith(b"\n")
    assert json.loads(content[5])["type"] == "audit_head_mismatch"
    assert json.loads(content[6])["host"] == "h"  # the new record is whole, on its own line
    result = log.verify()
    assert not result.ok and result.first_bad_line == 5


def test_later_appends_do_not_erase_a_deletion_at_the_end(log: AuditLog) -> None:
    rewrite(log, lines(log)[:-1])
    log.record_outbound(host="h", payload="p", finding_classes=[], decision="sent")
    log.record_outbound(host="h", payload="q", finding_classes=[], decision="sent")
    result = log.verify()
    assert not result.ok and result.first_bad_line == 5
    assert "held 4 record(s) but a head of 5" in (result.problem or "")


def test_later_appends_do_not_erase_a_forged_newest_record(log: AuditLog) -> None:
    content = lines(log)
    forged = json.loads(content[-1])
    forged["new"] = "keep_local"
    del forged["hash"]
    content[-1] = sealed_line(forged) + b"\n"  # consistent by itself: only the head knows
    rewrite(log, content)
    assert not log.verify().ok
    log.record_outbound(host="h", payload="p", finding_classes=[], decision="sent")
    assert log.verify().first_bad_line == 6


def test_later_appends_do_not_erase_a_deleted_head(log: AuditLog) -> None:
    log.head_path.unlink()
    log.record_outbound(host="h", payload="p", finding_classes=[], decision="sent")
    result = log.verify()
    assert not result.ok and "no head file" in (result.problem or "")


def test_reserved_field_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="prev"):
        AuditLog(tmp_path).append("custom", prev="0")


def test_export_since(log: AuditLog) -> None:
    since = dt.datetime(2026, 11, 24, 10, 3, tzinfo=dt.UTC)
    exported = list(log.lines(since=since))
    assert [json.loads(line)["type"] for line in exported] == [
        "network_blocked", "outbound_request", "privacy_setting_change"]
    assert exported[0].encode() + b"\n" == lines(log)[2]  # exactly as stored
    assert len(list(log.lines())) == 5


def test_two_processes_appending_at_once_do_not_interleave(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    go = tmp_path / "go"
    # Each child says it is ready, then waits for the go, so their appends overlap.
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from desktop.core.audit import AuditLog
        log = AuditLog(Path({str(folder)!r}))
        Path({str(tmp_path)!r}, "ready-" + sys.argv[1]).touch()
        while not Path({str(go)!r}).exists():
            time.sleep(0.001)
        for i in range(150):
            log.record_outbound(host=sys.argv[1], payload=str(i) * 200,
                                finding_classes=["email"], decision="sent")
    """)
    names = ("first", "second")
    workers = [subprocess.Popen([sys.executable, "-c", script, name]) for name in names]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{name}").exists() for name in names):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers)
        time.sleep(0.005)
    go.touch()
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    log = AuditLog(folder)
    result = log.verify()
    assert result.ok and result.records == 300, result
    hosts = [json.loads(line)["host"] for line in log.lines()]
    assert hosts.count("first") == hosts.count("second") == 150


def test_privacy_setting_changes_are_recorded(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    settings = Settings()
    watch_privacy_settings(settings, log)
    settings.set("network.offline", True)
    settings.set("network.offline", True)  # no change, no record
    settings.set("ui.font_size", 14)  # not a privacy setting
    settings.set("network.offline", False)
    records = [json.loads(line) for line in log.lines()]
    assert [(r["type"], r["key"], r["old"], r["new"]) for r in records] == [
        ("privacy_setting_change", "network.offline", False, True),
        ("privacy_setting_change", "network.offline", True, False),
    ]
    assert log.verify().ok
    assert is_privacy_setting("cloud.escalation") and not is_privacy_setting("ui.theme")
