"""Small PDFs written by hand for the reader's tests: one text stream per page, Helvetica."""

from __future__ import annotations

import io
import textwrap


def _literal(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def page_lines(paragraphs: list[str], *, width: int = 72) -> list[str]:
    """Paragraphs wrapped as a typesetter would, with no blank line between them."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, width=width)
    return lines


def make_pdf(pages: list[list[str]], *, info: dict[str, str] | None = None) -> bytes:
    """A valid PDF whose pages show the given lines from the top, 14 points apart."""
    objects: list[str] = []  # object n is objects[n - 1]
    font = 3
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append("<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{n} 0 R" for n in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for n, lines in zip(page_ids, pages, strict=True):
        shown = " T* ".join(f"{_literal(line)} Tj" for line in lines)
        stream = f"BT /F1 11 Tf 14 TL 72 740 Td {shown} ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {n + 1} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    trailer_info = ""
    if info:
        entries = " ".join(f"/{key} {_literal(value)}" for key, value in info.items())
        objects.append(f"<< {entries} >>")
        trailer_info = f" /Info {len(objects)} 0 R"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer_info} >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()
