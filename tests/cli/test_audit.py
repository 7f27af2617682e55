"""``hearth audit verify | export`` through the real entry point."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desktop.__main__ import main
from desktop.core.audit import AuditLog


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def log() -> AuditLog:
    moments = iter([dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC),
                    dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC),
                    dt.datetime(2026, 6, 5, 12, tzinfo=dt.UTC)])
    log = AuditLog(clock=lambda: next(moments))  # the data dir of the test
    log.record_outbound(host="api.example.com", payload="a", finding_classes=[],
                        decision="sent")
    log.record_setting_change("network.offline", False, True)
    log.record_outbound(host="api.example.com", payload="b", finding_classes=["email"],
                        decision="redacted")
    return log


def test_verify_an_intact_log(log: AuditLog, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0 and "intact: 3 record(s)" in out


def test_verify_without_a_log(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0 and "0 record(s)" in out


def test_verify_names_the_tampered_line(log: AuditLog,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    lines = log.path.read_bytes().splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]
    log.path.write_bytes(b"".join(lines))
    code, out, err = run(capsys, "audit", "verify")
    assert code == 3 and out == ""
    assert "TAMPERED" in err and "at line 1" in err


def test_verify_finds_records_deleted_from_the_end(
        log: AuditLog, capsys: pytest.CaptureFixture[str]) -> None:
    log.path.write_bytes(b"".join(log.path.read_bytes().splitlines(keepends=True)[:2]))
    code, _, err = run(capsys, "audit", "verify")
    assert code == 3 and "deleted from the end" in err


def test_export_prints_json_lines(log: AuditLog, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "export")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["type"] for r in records] == ["outbound_request", "privacy_setting_change",
                                            "outbound_request"]
    assert out.encode() == log.path.read_bytes()  # exactly the stored lines


def test_export_since(log: AuditLog, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "export", "--since", "2026-02-01")
    assert code == 0 and len(out.splitlines()) == 2
    assert run(capsys, "audit", "export", "--since", "2027-01-01")[1] == ""
    assert run(capsys, "audit", "export", "--since", "soon")[0] == 2
