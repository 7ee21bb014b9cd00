"""A small PDF writer that hands back bytes as it goes (the invitation letters' batch PDF).

reportlab keeps a whole document in memory and writes it at save(): for a batch of
1,000 letters that was 17 s before the first byte. This writer instead writes each
object once, in order, and remembers only its byte offset:

    header → the shared font (one subset of the Japanese font, made up front from the
    characters the caller says it will draw) → each page's content stream and page
    object as soon as the page is drawn → the Pages tree (its number reserved at the
    start), the catalog, the info dictionary, xref and trailer.

Text is set in one Type0 font (CIDFontType2, Identity-H, CID = the subset's glyph id)
with a ToUnicode map, so pdftotext reads it back. Only what a letter needs is here:
text in one font, filled rectangles, fill colours.
"""
from __future__ import annotations

import secrets
import threading
import zlib
from typing import Iterable

from .fonts import register_japanese_font

_SUBSET_LOCK = threading.Lock()  # the font face's reader is a shared cursor


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _utf16_hex(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class SubsetFont:
    """One subset of the registered Japanese TrueType font holding the given characters."""

    def __init__(self, chars: Iterable[str]):
        from reportlab.pdfbase import pdfmetrics

        face = pdfmetrics.getFont(register_japanese_font()).face
        codes = sorted({ord(ch) for ch in chars if ch not in "\r\n"} | {0x20})
        codes = [c for c in codes if c in face.charToGlyph]
        self.gid: dict[int, int] = {}  # code point → glyph id in the subset (as makeSubset numbers them)
        seen = {0: 0}
        for code in codes:
            original = face.charToGlyph[code]
            if original not in seen:
                seen[original] = len(seen)
            self.gid[code] = seen[original]
        with _SUBSET_LOCK:
            self.data = face.makeSubset(codes)
        name = face.name.decode() if isinstance(face.name, bytes) else face.name
        tag = "".join(chr(65 + b % 26) for b in secrets.token_bytes(6))
        self.base_name = f"{tag}+{name}"
        self.widths = {self.gid[c]: face.charWidths.get(c, face.defaultWidth) for c in codes}
        self.unicode = {}
        for code in codes:
            self.unicode.setdefault(self.gid[code], code)
        self.default_width = face.defaultWidth
        self.face = face

    def encode(self, text: str) -> str:
        return "<" + "".join(f"{self.gid.get(ord(ch), 0):04X}" for ch in text) + ">"

    def width(self, text: str, size: float) -> float:
        return sum(self.widths.get(self.gid.get(ord(ch), 0), self.default_width) for ch in text) * size / 1000

    def objects(self, writer: "StreamingPDF", font_num: int) -> bytes:
        """The font's five objects; font_num is the Type0 font's (reserved) number."""
        face = self.face
        cid, desc, file_, tounicode = (writer.reserve() for _ in range(4))
        widths = " ".join(f"{gid} [{_num(w)}]" for gid, w in sorted(self.widths.items()))
        bbox = " ".join(_num(v) for v in face.bbox)
        out = [
            writer.obj(font_num, f"<< /Type /Font /Subtype /Type0 /BaseFont /{self.base_name} "
                                 f"/Encoding /Identity-H /DescendantFonts [{cid} 0 R] /ToUnicode {tounicode} 0 R >>"),
            writer.obj(cid, f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{self.base_name} "
                            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                            f"/FontDescriptor {desc} 0 R /DW {_num(self.default_width)} /W [{widths}] "
                            "/CIDToGIDMap /Identity >>"),
            writer.obj(desc, f"<< /Type /FontDescriptor /FontName /{self.base_name} /Flags {face.flags} "
                             f"/FontBBox [{bbox}] /ItalicAngle {_num(face.italicAngle)} /Ascent {_num(face.ascent)} "
                             f"/Descent {_num(face.descent)} /CapHeight {_num(face.capHeight)} "
                             f"/StemV {face.stemV} /FontFile2 {file_} 0 R >>"),
            writer.stream(file_, f"/Length1 {len(self.data)}", self.data),
            writer.stream(tounicode, "", self._cmap()),
        ]
        return b"".join(out)

    def _cmap(self) -> bytes:
        pairs = sorted(self.unicode.items())
        body = []
        for start in range(0, len(pairs), 100):  # at most 100 entries per bfchar block
            block = pairs[start:start + 100]
            body.append(f"{len(block)} beginbfchar")
            body.extend(f"<{gid:04X}> <{code.to_bytes(4 if code > 0xFFFF else 2, 'big').hex().upper()}>"
                        for gid, code in block)
            body.append("endbfchar")
        return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def "
                "/CMapName /Adobe-Identity-UCS def /CMapType 2 def "
                "1 begincodespacerange <0000> <FFFF> endcodespacerange\n" + "\n".join(body)
                + "\nendcmap CMapName currentdict /CMap defineresource pop end end").encode("ascii")


class Page:
    """A page's drawing operators (the few reportlab.Canvas calls a letter uses)."""

    def __init__(self, font: SubsetFont):
        self.font = font
        self.ops: list[str] = []
        self.size = 10.0

    def set_font(self, size: float) -> None:
        self.size = size

    def set_fill(self, rgb: tuple[float, float, float]) -> None:
        self.ops.append(" ".join(_num(v) for v in rgb) + " rg")

    def text(self, x: float, y: float, text: str) -> None:
        self.ops.append(f"BT /F1 {_num(self.size)} Tf 1 0 0 1 {_num(x)} {_num(y)} Tm "
                        f"{self.font.encode(text)} Tj ET")

    def centred_text(self, x: float, y: float, text: str) -> None:
        self.text(x - self.font.width(text, self.size) / 2, y, text)

    def rects(self, rects: Iterable[tuple[float, float, float, float]]) -> None:
        """Filled rectangles (x, y, width, height) as one path."""
        self.ops.extend(f"{_num(x)} {_num(y)} {_num(w)} {_num(h)} re" for x, y, w, h in rects)
        self.ops.append("f")

    def content(self) -> bytes:
        return "\n".join(self.ops).encode("ascii")


class StreamingPDF:
    """Objects written in order; only their offsets are kept until the xref at the end."""

    def __init__(self, chars: Iterable[str], width: float, height: float, title: str = ""):
        self.offsets: dict[int, int] = {}
        self.pos = 0
        self.last = 0
        self.kids: list[int] = []
        self.width, self.height, self.title = width, height, title
        self.font = SubsetFont(chars)
        self.pages_num = self.reserve()
        self.font_num = self.reserve()

    def reserve(self) -> int:
        self.last += 1
        return self.last

    def _emit(self, data: bytes) -> bytes:
        self.pos += len(data)
        return data

    def obj(self, num: int, body: str | bytes) -> bytes:
        self.offsets[num] = self.pos
        if isinstance(body, str):
            body = body.encode("ascii")
        return self._emit(f"{num} 0 obj\n".encode() + body + b"\nendobj\n")

    def stream(self, num: int, extra: str, data: bytes) -> bytes:
        packed = zlib.compress(data, 6)
        return self.obj(num, f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n".encode()
                        + packed + b"\nendstream")

    def start(self) -> bytes:
        """The header and the shared font: the first bytes, before any page is drawn."""
        head = self._emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        return head + self.font.objects(self, self.font_num)

    def new_page(self) -> Page:
        return Page(self.font)

    def add_page(self, page: Page) -> bytes:
        content, num = self.reserve(), self.reserve()
        self.kids.append(num)
        return (self.stream(content, "", page.content())
                + self.obj(num, f"<< /Type /Page /Parent {self.pages_num} 0 R "
                                f"/MediaBox [0 0 {_num(self.width)} {_num(self.height)}] "
                                f"/Resources << /Font << /F1 {self.font_num} 0 R >> >> /Contents {content} 0 R >>"))

    def finish(self) -> bytes:
        kids = " ".join(f"{k} 0 R" for k in self.kids)
        out = self.obj(self.pages_num, f"<< /Type /Pages /Count {len(self.kids)} /Kids [{kids}] >>")
        catalog, info = self.reserve(), self.reserve()
        out += self.obj(catalog, f"<< /Type /Catalog /Pages {self.pages_num} 0 R >>")
        out += self.obj(info, f"<< /Title {_utf16_hex(self.title)} /Producer (Clickar) >>")
        xref_at = self.pos
        rows = ["xref", f"0 {self.last + 1}", "0000000000 65535 f "]
        rows += [f"{self.offsets[n]:010d} 00000 n " for n in range(1, self.last + 1)]
        rows += ["trailer", f"<< /Size {self.last + 1} /Root {catalog} 0 R /Info {info} 0 R >>",
                 "startxref", str(xref_at), "%%EOF", ""]
        return out + self._emit("\n".join(rows).encode("ascii"))
