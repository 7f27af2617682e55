"""The Models dialog's two tables: the catalog (the recommended model first) and the models on
this computer (the one in use marked), each filtered by the dialog's search box."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from desktop.core.catalog import CatalogEntry, ModelRecord, format_bytes
from desktop.ui.model_picker import same_file

CATALOG_COLUMNS = ("Model", "About", "Size", "Memory needed", "Licence", "Status")
INSTALLED_COLUMNS = ("Name", "Size", "From", "SHA-256", "")
STATUS_COLUMN = CATALOG_COLUMNS.index("Status")
LICENCE_COLUMN = CATALOG_COLUMNS.index("Licence")
STATE_COLUMN = len(INSTALLED_COLUMNS) - 1
IN_USE = "● in use"
RECOMMENDED = "  ★ recommended"
_ID_ROLE = Qt.ItemDataRole.UserRole


def make_table(columns: Sequence[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1 if len(columns) == len(CATALOG_COLUMNS) else 0,
                                QHeaderView.ResizeMode.Stretch)
    if len(columns) == len(CATALOG_COLUMNS):
        # A licence's full name can be long ("Qwen Research License (…)"): cut to a fixed
        # width, whole in the tooltip, so "About" keeps the room on a small screen.
        header.setSectionResizeMode(LICENCE_COLUMN, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(LICENCE_COLUMN, 150)
    return table


def fit_rows(table: QTableWidget, *, fewest: int = 1, most: int = 4) -> None:
    """Make ``table`` as tall as its visible rows (between ``fewest`` and ``most``; more
    scroll), so that the room it does not need goes to the other table."""
    shown = [r for r in range(table.rowCount()) if not table.isRowHidden(r)]
    row_height = table.verticalHeader().defaultSectionSize()
    rows = sum(table.rowHeight(r) for r in shown[:most])
    rows += row_height * max(0, fewest - len(shown))
    scroll = table.horizontalScrollBar()
    extra = scroll.sizeHint().height() if scroll.isVisible() else 0
    table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + extra
                         + 2 * table.frameWidth())


def catalog_order(entries: Sequence[CatalogEntry], recommended: str | None
                  ) -> list[CatalogEntry]:
    """The chat models of the catalog, the recommended one first, the rest in file order."""
    chat = [e for e in entries if e.kind == "chat"]
    return sorted(chat, key=lambda e: e.id != recommended)


def matches(needle: str, *texts: str | None) -> bool:
    """Whether every word of ``needle`` is in one of ``texts`` (case folded)."""
    haystack = " ".join(t for t in texts if t).casefold()
    return all(word in haystack for word in needle.casefold().split())


def fill_catalog(table: QTableWidget, entries: Sequence[CatalogEntry], *, context: int,
                 recommended: str | None, installed: set[str], downloading: str | None,
                 needle: str) -> None:
    """One row per entry (``entries`` in the order shown); rows not matching ``needle`` hidden."""
    table.setRowCount(len(entries))
    for row, entry in enumerate(entries):
        name = entry.name + (RECOMMENDED if entry.id == recommended else "")
        size = format_bytes(entry.size_estimate) if entry.size_estimate else "unknown"
        need = entry.memory_needed(context)
        memory = f"~{format_bytes(need)}" if need is not None else "unknown"
        if entry.id == downloading:
            status = "downloading…"
        else:
            status = "downloaded" if entry.id in installed else ""
        about = entry.description or ""
        cells = (name, about, size, memory, entry.licence, status)
        tip = f"{entry.id}: {entry.quantization}, {entry.parameters or '?'} parameters" \
            + (f"\n{about}" if about else "") + (f"\n{entry.note}" if entry.note else "")
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(_ID_ROLE, entry.id)
            item.setToolTip(f"{entry.licence}\n{tip}" if column == LICENCE_COLUMN else tip)
            table.setItem(row, column, item)
        table.setRowHidden(row, not matches(needle, entry.name, entry.id, about,
                                            entry.quantization, entry.parameters))


def fill_installed(table: QTableWidget, records: Sequence[ModelRecord], *,
                   in_use: Path | None, needle: str) -> None:
    """One row per record, the one in use marked and bold; rows not matching ``needle``
    hidden (the one in use always shows)."""
    table.setRowCount(len(records))
    for row, record in enumerate(records):
        origin = {"catalog": "downloaded"}.get(record.source, "copied" if record.owned
                                               else "used in place")
        using = in_use is not None and same_file(in_use, record.path)
        state = IN_USE if using else ""
        if not record.path.is_file():
            state = "file missing"
        sha = record.sha256[:16] + "…" if record.sha256 else "—"
        for column, text in enumerate((record.name, format_bytes(record.size), origin, sha,
                                       state)):
            item = QTableWidgetItem(text)
            item.setData(_ID_ROLE, record.name)
            item.setToolTip(f"{record.path}" + (f"\nSHA-256 {record.sha256}"
                                                 if record.sha256 else ""))
            if using:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            table.setItem(row, column, item)
        table.setRowHidden(row, not using and not matches(needle, record.name,
                                                          str(record.path)))


def selected_row(table: QTableWidget) -> int | None:
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else None
