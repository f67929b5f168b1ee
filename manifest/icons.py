"""Draws the app's Teams icons: `python manifest/icons.py` rewrites color.png and outline.png beside this file.

The motif is a shield (the policy protects staff) holding a raised open hand (stop: unacceptable behaviour), in the
council blue that is also the manifest's accentColor.

- color.png, 192x192: full-bleed council blue (Teams rounds the corners), a white shield, the hand in council blue.
- outline.png, 32x32: the shield in white on transparent with the hand cut out of it. Teams requires white and
  transparent only: every pixel is pure white (255, 255, 255) and only its alpha varies (anti-aliased edges). The
  fingers are 2 px wide with 1 px between them, on the pixel grid, so they stay apart at that size.

Shapes are drawn 8 times larger and scaled down with a Lanczos filter, which anti-aliases them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

COUNCIL_BLUE = (0x1F, 0x4E, 0x79)
WHITE = (255, 255, 255)
SCALE = 8

Point = tuple[float, float]


def _bezier(p0: Point, p1: Point, p2: Point, steps: int = 40) -> list[Point]:
    """Points along a quadratic Bézier curve from p0 to p2 pulled towards p1."""
    points = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        points.append((a * p0[0] + b * p1[0] + c * p2[0], a * p0[1] + b * p1[1] + c * p2[1]))
    return points


def shield(cx: float, top: float, width: float, height: float, corner: float) -> list[Point]:
    """A shield: a flat top with rounded corners, straight sides for about a third of the height, then two convex
    curves meeting in a point at the bottom."""
    left, right = cx - width / 2, cx + width / 2
    shoulder, bottom, pull = top + height * 0.36, top + height, top + height * 0.80
    return [
        *_bezier((left, top + corner), (left, top), (left + corner, top), 8),
        *_bezier((right - corner, top), (right, top), (right, top + corner), 8),
        *_bezier((right, shoulder), (right, pull), (cx, bottom)),
        *_bezier((cx, bottom), (left, pull), (left, shoulder)),
    ]


def _capsule(draw: ImageDraw.ImageDraw, start: Point, end: Point, width: float) -> None:
    """A thick line with round ends."""
    draw.line([start, end], fill=255, width=round(width))
    radius = width / 2
    for x, y in (start, end):
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)


def hand(size: int, cx: float, top: float, height: float, finger: float, gap: float) -> Image.Image:
    """A raised open right hand, palm to the viewer (the 'stop' gesture), as a mask the size of the canvas.
    Heights are in hundredths of `height`; four fingers `finger` wide with `gap` between them, centred on cx."""
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    unit = height / 100
    pitch = finger + gap
    knuckles = top + 52 * unit
    # index, middle, ring and little finger: x of the centre line, y of the tip's centre
    fingers = [(cx + (i - 1.5) * pitch, top + tip * unit + finger / 2) for i, tip in enumerate((12, 0, 5, 18))]
    for x, tip in fingers:
        _capsule(draw, (x, knuckles), (x, tip), finger)
    left, right = fingers[0][0] - finger / 2, fingers[-1][0] + finger / 2
    draw.rounded_rectangle([left, top + 45 * unit, right, top + 92 * unit], radius=finger * 0.9, fill=255)
    draw.rectangle([left + 3 * unit, top + 70 * unit, right - 3 * unit, top + 100 * unit], fill=255)  # wrist
    _capsule(draw, (left + 6 * unit, top + 78 * unit), (left - 12 * unit, top + 50 * unit), finger * 1.05)  # thumb
    return mask


def color_icon() -> Image.Image:
    size = 192 * SCALE
    image = Image.new("RGB", (size, size), COUNCIL_BLUE)
    outline = Image.new("L", (size, size), 0)
    ImageDraw.Draw(outline).polygon(shield(size / 2, 30 * SCALE, 120 * SCALE, 134 * SCALE, 14 * SCALE), fill=255)
    image.paste(WHITE, mask=outline)
    unit = 74 * SCALE / 100
    image.paste(COUNCIL_BLUE, mask=hand(size, size / 2 + 4 * SCALE, 52 * SCALE, 74 * SCALE, 13 * unit, 2.5 * unit))
    return image.resize((192, 192), Image.Resampling.LANCZOS)


def outline_icon() -> Image.Image:
    size = 32 * SCALE
    outline = Image.new("L", (size, size), 0)
    ImageDraw.Draw(outline).polygon(shield(size / 2, 1 * SCALE, 28 * SCALE, 30 * SCALE, 3 * SCALE), fill=255)
    cut = hand(size, 16.5 * SCALE, 5 * SCALE, 19 * SCALE, 2 * SCALE, 1 * SCALE)
    alpha = ImageChops.subtract(outline, cut).resize((32, 32), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", (32, 32), (*WHITE, 0))
    image.putalpha(alpha)
    return image


def write_icons(directory: Path) -> tuple[Path, Path]:
    color, outline = directory / "color.png", directory / "outline.png"
    color_icon().save(color, optimize=True)
    outline_icon().save(outline, optimize=True)
    return color, outline


if __name__ == "__main__":
    for written in write_icons(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent):
        print(f"wrote {written}")
