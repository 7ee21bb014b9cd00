"""`make icons`: every PNG icon from the one SVG source, static/icons/icon.svg.

rsvg-convert (Debian librsvg2-bin) draws each size; Pillow then stores it as a
small palette PNG. "any" icons keep the SVG's rounded corners; the maskable and
Apple icons are drawn full-bleed (a stylesheet switches the clip off) because
the launcher or iOS cuts its own shape, and the artwork sits inside the
maskable safe zone (the central circle of 80 % diameter).

    python -m clickar.pwa.icons [static/icons]
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

SOURCE = "icon.svg"
FULL_BLEED_CSS = "#art { clip-path: none; }\n"
ICONS = (
    # (file, size, full bleed)
    ("icon-192.png", 192, False),
    ("icon-512.png", 512, False),
    ("maskable-512.png", 512, True),
    ("apple-touch-icon.png", 180, True),
)


def render(svg: Path, out: Path, size: int, full_bleed: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.png"
        command = ["rsvg-convert", "--width", str(size), "--height", str(size), "--output", str(raw)]
        if full_bleed:
            css = Path(tmp) / "full-bleed.css"
            css.write_text(FULL_BLEED_CSS)
            command += ["--stylesheet", str(css)]
        subprocess.run([*command, str(svg)], check=True)
        image = Image.open(raw)
        if full_bleed:  # opaque: iOS shows transparency as black
            image = image.convert("RGB").quantize(colors=32)
        else:
            image = image.convert("RGBA").quantize(colors=32, method=Image.Quantize.FASTOCTREE)
        image.save(out, optimize=True)


def build(folder: Path) -> list[Path]:
    svg = folder / SOURCE
    made = []
    for name, size, full_bleed in ICONS:
        render(svg, folder / name, size, full_bleed)
        made.append(folder / name)
    return made


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "static" / "icons"
    for path in build(folder):
        print(f"icons: {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
