"""The completion certificate as a one-page A4 landscape PDF (fpdf2).

Core PDF fonts only, encoded as Windows-1252 (which has the en dash of ``12–15 Agustus``), so
no font file has to ship with the service; a character outside that code page (rare in
Indonesian names) is reduced to its unaccented letter rather than failing the certificate.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

from ..domain.certificates import CertificateText

_ENCODING = "windows-1252"
_Colour = tuple[int, int, int]
_GREEN: _Colour = (20, 83, 45)
_GREY: _Colour = (90, 90, 90)


def _printable(text: str) -> str:
    try:
        text.encode(_ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode(_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


def render_certificate(text: CertificateText) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_title(_printable(f"Sertifikat {text.number}"))
    pdf.set_author(_printable(text.issuer))
    pdf.set_creator("Purna")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin

    pdf.set_draw_color(*_GREEN)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    def line(
        value: str, size: float, style: str = "", gap: float = 2, colour: _Colour = (0, 0, 0)
    ) -> None:
        pdf.set_text_color(*colour)
        pdf.set_font("helvetica", style=style, size=size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, size * 0.5, _printable(value), align="C")
        pdf.ln(gap)

    pdf.set_y(24)
    line(text.issuer.upper(), 13, "B", colour=_GREEN)
    line("Kementerian Pelindungan Pekerja Migran Indonesia", 10, gap=10, colour=_GREY)
    line("SERTIFIKAT", 34, "B", gap=1, colour=_GREEN)
    line(f"Nomor: {text.number}", 12, gap=10)
    line("Diberikan kepada", 13, "I", gap=3)
    line(text.participant_name, 24, "B", gap=6)
    line("yang telah menyelesaikan pelatihan", 13, gap=3)
    line(text.programme_name, 18, "B", gap=5)
    line(f"di {text.place}", 12, gap=1)
    line(f"pada tanggal {text.dates}, dengan tingkat kehadiran {text.attendance}.", 12, gap=12)

    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", size=12)
    # the signature block, right, with room for the head of the office to sign and stamp
    right = pdf.w - pdf.r_margin - 105
    pdf.set_xy(right, pdf.get_y())
    pdf.multi_cell(95, 6, _printable(text.signed_at), align="C")
    pdf.set_x(right)
    pdf.multi_cell(95, 6, _printable(text.signatory), align="C")
    return bytes(pdf.output())
