"""Real PDF and DOCX files for tests: a PDF written byte by byte (one text line per page in
Helvetica, with a correct cross-reference table), a DOCX written by python-docx."""

from __future__ import annotations

from pathlib import Path


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A valid PDF with one page per item of ``pages``, each line of text placed below the
    one before (ASCII text; the standard Helvetica font needs no embedding)."""
    objects: list[bytes] = []
    count = len(pages)
    # 1: catalog, 2: page tree, 3: font, then per page: the page and its content stream.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content_id = 5 + 2 * i
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                       f"<< /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>".encode())
        text = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(
            f"({_escape(line)}) Tj T*" for line in lines) + " ET"
        stream = text.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream
                       + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    path.write_bytes(bytes(out))
    return path


def write_docx(path: Path, parts: list[tuple[str, int]]) -> Path:
    """A Word document: (text, heading level) pairs; level 0 is a plain paragraph."""
    import docx

    document = docx.Document()
    for text, level in parts:
        if level:
            document.add_heading(text, level=level)
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path
