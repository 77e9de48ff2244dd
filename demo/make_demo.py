#!/usr/bin/env python3
"""Regenerate the shipped demo set: demo/posts/<platform>/<name>.yaml and demo/media/.

Every company, person, account, link and number below is invented.  The wall
shows these posts only while content/posts/ holds no posts of its own.

The script is deterministic: a fixed seed, no clock, no network.  Running it
twice gives byte-identical files (with the same Pillow and libwebp versions).
It deletes demo/posts/ and demo/media/ first, so what is there afterwards is
exactly what this script produces.

    .venv/bin/python demo/make_demo.py
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

DEMO = Path(__file__).resolve().parent
ROOT = DEMO.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from wall.post import Author, Media, Post, post_filename  # noqa: E402
from wall.writing import write_post  # noqa: E402

SEED = 20200320
SOURCE = "demo"
CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
# Summer time began in Germany on 29 March 2020 at 02:00 CET.
SUMMER_TIME_2020 = datetime(2020, 3, 29, 2, 0, tzinfo=CET)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

WEBP = dict(format="WEBP", quality=70, method=6)
MAX_MEDIA_BYTES = 25_000
SUPERSAMPLE = 2  # draw at twice the size, then scale down: smooth edges


# --------------------------------------------------------------------------- images

class Art:
    """A canvas in 'units': 100 units are the image width, so circles stay round."""

    def __init__(self, width: int, height: int, background: str, scale: int = SUPERSAMPLE):
        self.width, self.height, self.scale = width, height, scale
        self.unit = width * scale / 100
        self.h = 100 * height / width  # the height in units
        self.image = Image.new("RGB", (width * scale, height * scale), background)
        self.draw = ImageDraw.Draw(self.image)

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * self.unit, y0 * self.unit, x1 * self.unit, y1 * self.unit]

    def rect(self, x0, y0, x1, y1, fill, radius=0.0, outline=None, width=0.0):
        self.draw.rounded_rectangle(self._box(x0, y0, x1, y1), radius=radius * self.unit, fill=fill,
                                    outline=outline, width=round(width * self.unit))

    def ellipse(self, x0, y0, x1, y1, fill, outline=None, width=0.0):
        self.draw.ellipse(self._box(x0, y0, x1, y1), fill=fill, outline=outline,
                          width=round(width * self.unit))

    def circle(self, x, y, r, fill, outline=None, width=0.0):
        self.ellipse(x - r, y - r, x + r, y + r, fill, outline, width)

    def poly(self, points, fill):
        self.draw.polygon([(x * self.unit, y * self.unit) for x, y in points], fill=fill)

    def line(self, points, fill, width):
        self.draw.line([(x * self.unit, y * self.unit) for x, y in points], fill=fill,
                       width=max(1, round(width * self.unit)), joint="curve")

    def arc(self, x0, y0, x1, y1, start, end, fill, width):
        self.draw.arc(self._box(x0, y0, x1, y1), start, end, fill=fill,
                      width=max(1, round(width * self.unit)))

    def text(self, x, y, words, size, fill, anchor="mm"):
        # Pillow's built-in font has no umlauts: image texts stay ASCII.
        assert words.isascii(), words
        self.draw.text((x * self.unit, y * self.unit), words, fill=fill, anchor=anchor,
                       font=font(round(size * self.unit)))

    def finish(self) -> Image.Image:
        return self.image.resize((self.width, self.height), Image.LANCZOS)


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _FONTS:
        _FONTS[size] = ImageFont.load_default(size=size)
    return _FONTS[size]


def confetti(art: Art, rng: random.Random, colours: list[str], count: int, y0: float = 0,
             y1: float | None = None, size: float = 0.8) -> None:
    for _ in range(count):
        x, y = rng.uniform(2, 98), rng.uniform(y0 + 2, (y1 or art.h) - 2)
        art.circle(x, y, size * rng.uniform(0.5, 1.0), rng.choice(colours))


def draw_banner(art: Art, rng: random.Random) -> None:
    """The EWG announcement: skyline with a pit head frame under the hashtag."""
    h = art.h
    art.rect(0, h * 0.62, 100, h, "#0b5563")
    confetti(art, rng, ["#f2c14e", "#f78154", "#5fad56", "#ffffff"], 40, 0, h * 0.55, 0.7)
    for x0, x1, top in ((4, 14, 0.48), (15, 22, 0.40), (60, 70, 0.44), (71, 80, 0.50), (82, 95, 0.42)):
        art.rect(x0, h * top, x1, h * 0.63, "#083d47")
        for wx in range(int(x0) + 2, int(x1) - 1, 3):
            for wy in range(int(h * top) + 3, int(h * 0.6), 4):
                if rng.random() < 0.55:
                    art.rect(wx, wy, wx + 1.2, wy + 1.8, "#f2c14e")
    # Pit head frame (Förderturm): two legs, a cross beam and the winding wheels.
    art.line([(31, h * 0.63), (38, h * 0.36), (45, h * 0.63)], "#083d47", 1.6)
    art.line([(38, h * 0.36), (52, h * 0.63)], "#083d47", 1.6)
    art.line([(33.5, h * 0.52), (47.5, h * 0.52)], "#083d47", 1.2)
    art.circle(38, h * 0.34, 3.6, None, "#083d47", 1.0)
    art.rect(28, h * 0.61, 56, h * 0.64, "#083d47")
    art.text(50, h * 0.13, "#EssenArbeitetZusammen", 7.0, "#0b5563")
    art.text(50, h * 0.80, "Angebote  -  Gesuche  -  Ideen", 4.4, "#ffffff")


def draw_bread(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#f6e7cf")
    for shelf in (0.40, 0.75):
        art.rect(4, h * shelf, 96, h * shelf + 2.5, "#8a5a34")
    loaves = [(8, 0.22), (30, 0.22), (52, 0.22), (74, 0.22)]
    for x, top in loaves:
        art.ellipse(x, h * top, x + 19, h * 0.40 + 0.5, "#c8842f")
        for cut in range(3):
            cx = x + 5 + cut * 4.5
            art.line([(cx, h * top + 3), (cx + 2.5, h * top + 7)], "#f1c57c", 0.9)
    for i in range(9):
        x = 9 + i * 9.6
        art.circle(x + 3.5, h * 0.69, 4.3, rng.choice(["#d9953b", "#c27a2c", "#e0a14d"]))
        art.line([(x + 1.5, h * 0.67), (x + 5.5, h * 0.67)], "#f6d9a1", 0.6)
    art.text(50, h * 0.89, "Frisch gebacken", 7.5, "#8a5a34")


def draw_masks(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#dcebf5")
    confetti(art, rng, ["#b9d5ea", "#c9def0"], 60, size=1.4)
    fabrics = [("#f78154", "#ffd6c2"), ("#5fad56", "#d7f0d3"), ("#4d6cfa", "#d9e0ff"),
               ("#f2c14e", "#fff0c4")]
    for index, (colour, dots) in enumerate(fabrics):
        x = 8 + (index % 2) * 46
        y = h * 0.14 + (index // 2) * h * 0.40
        art.arc(x - 5, y + 2, x + 7, y + 20, 90, 270, "#ffffff", 1.0)
        art.arc(x + 31, y + 2, x + 43, y + 20, 270, 90, "#ffffff", 1.0)
        art.rect(x, y, x + 38, y + 22, colour, radius=6)
        for pleat in (7, 12, 17):
            art.line([(x + 2, y + pleat), (x + 36, y + pleat)], dots, 0.7)
        for _ in range(14):
            art.circle(x + rng.uniform(4, 34), y + rng.uniform(3, 19), 0.8, dots)
    art.text(50, h * 0.93, "Behelfsmasken aus Essen", 4.6, "#23395b")


def draw_sewing(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#fdf1e6")
    art.rect(0, h * 0.72, 100, h, "#c9a27e")
    for index, colour in enumerate(["#f78154", "#4d6cfa", "#5fad56", "#b24c63", "#f2c14e"]):
        x = 10 + index * 17
        art.rect(x, h * 0.40, x + 11, h * 0.44, "#d7b58f")
        art.rect(x + 1, h * 0.44, x + 10, h * 0.68, colour)
        art.rect(x, h * 0.68, x + 11, h * 0.72, "#d7b58f")
        for y in range(int(h * 0.46), int(h * 0.67), 2):
            art.line([(x + 1.5, y), (x + 9.5, y + 0.6)], "#ffffff", 0.25)
    # a measuring tape winding across the table
    points = [(4 + i * 4, h * 0.84 + 3 * ((-1) ** i)) for i in range(24)]
    art.line(points, "#f2c14e", 2.4)
    art.text(50, h * 0.18, "Stoff, Garn, Gummiband", 5.0, "#b24c63")


def draw_truck(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#cfe8f3")
    art.circle(82, 14, 7, "#f9d976")
    art.rect(0, h * 0.78, 100, h, "#5b6770")
    for x in range(4, 100, 14):
        art.rect(x, h * 0.88, x + 7, h * 0.895, "#ffffff")
    art.rect(10, h * 0.30, 66, h * 0.74, "#f78154", radius=1.5)
    art.text(38, h * 0.47, "Kohlenpott", 6.0, "#ffffff")
    art.text(38, h * 0.58, "Kurier", 6.0, "#ffffff")
    art.rect(67, h * 0.44, 86, h * 0.74, "#23395b", radius=2.5)
    art.rect(72, h * 0.48, 84, h * 0.58, "#cfe8f3", radius=1)
    for x in (20, 54, 78):
        art.circle(x, h * 0.76, 5.5, "#2b2b2b")
        art.circle(x, h * 0.76, 2.2, "#c0c6cc")


def draw_taxi(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#ffe9b8")
    for x0, top, colour in ((0, 0.18, "#f3d28c"), (22, 0.10, "#eec477"), (58, 0.22, "#f3d28c"),
                            (80, 0.14, "#eec477")):
        art.rect(x0, h * top, x0 + 21, h * 0.70, colour)
        for wy in range(int(h * top) + 4, int(h * 0.66), 7):
            for wx in (x0 + 4, x0 + 12):
                art.rect(wx, wy, wx + 4, wy + 4, "#fff7e3")
    art.rect(0, h * 0.70, 100, h, "#6b6b6b")
    body = "#f1ead2"  # taxi ivory
    art.poly([(26, h * 0.56), (34, h * 0.42), (66, h * 0.42), (74, h * 0.56)], body)
    art.rect(14, h * 0.55, 86, h * 0.75, body, radius=3)
    art.poly([(36, h * 0.55), (40, h * 0.45), (49, h * 0.45), (49, h * 0.55)], "#9cc3d5")
    art.poly([(51, h * 0.55), (51, h * 0.45), (62, h * 0.45), (66, h * 0.55)], "#9cc3d5")
    art.rect(42, h * 0.36, 58, h * 0.42, "#f2c14e", radius=1)
    art.text(50, h * 0.39, "TAXI", 3.6, "#2b2b2b")
    for x in (28, 72):
        art.circle(x, h * 0.76, 6, "#2b2b2b")
        art.circle(x, h * 0.76, 2.5, "#c0c6cc")
    art.rect(82, h * 0.60, 86, h * 0.64, "#f9d976")


def draw_hotel(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#27315c")
    confetti(art, rng, ["#ffffff", "#f9d976"], 35, 0, h * 0.35, 0.35)
    art.circle(86, 12, 5, "#f9d976")
    art.circle(88, 10.5, 4.6, "#27315c")
    art.rect(0, h * 0.86, 100, h, "#1a2140")
    art.rect(28, h * 0.22, 92, h * 0.86, "#b5654a")
    for row in range(6):
        for col in range(7):
            x, y = 32 + col * 8.5, h * 0.28 + row * h * 0.085
            lit = rng.random() < 0.6
            art.rect(x, y, x + 5, y + h * 0.05, "#f9d976" if lit else "#5a2f24")
    art.rect(54, h * 0.76, 66, h * 0.86, "#3a2019")
    art.rect(40, h * 0.17, 80, h * 0.225, "#1a2140")
    art.text(60, h * 0.198, "HOTEL", 3.6, "#f9d976")
    # the pit head frame next door
    art.line([(4, h * 0.86), (13, h * 0.30), (22, h * 0.86)], "#0f1530", 1.3)
    art.line([(7.5, h * 0.62), (18.5, h * 0.62)], "#0f1530", 1.0)
    art.circle(13, h * 0.28, 3.5, None, "#0f1530", 0.9)


def draw_desks(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#eef3ec")
    art.rect(0, h * 0.70, 100, h, "#c7b39b")
    for x in (6, 40, 74):
        art.rect(x, h * 0.48, x + 22, h * 0.51, "#7a5c3e")
        art.rect(x + 1, h * 0.51, x + 2.5, h * 0.76, "#7a5c3e")
        art.rect(x + 19.5, h * 0.51, x + 21, h * 0.76, "#7a5c3e")
        art.poly([(x + 6, h * 0.48), (x + 8, h * 0.34), (x + 19, h * 0.34), (x + 17, h * 0.48)],
                 "#3c4a57")
        art.poly([(x + 8.5, h * 0.465), (x + 10, h * 0.36), (x + 17.5, h * 0.36), (x + 16, h * 0.465)],
                 "#9cc3d5")
        art.rect(x + 1, h * 0.40, x + 4, h * 0.48, "#b24c63", radius=0.5)
        art.circle(x + 2.5, h * 0.36, 2.2, "#5fad56")
    for x in (30, 64):
        art.line([(x, h * 0.86), (x + 8, h * 0.86)], "#23395b", 0.5)
        art.text(x + 4, h * 0.92, "2 m", 3.2, "#23395b")
    art.text(50, h * 0.14, "Laptops fuer Familien", 5.2, "#23395b")


def draw_beer(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#1f2a1f")
    confetti(art, rng, ["#2b3a2b", "#33452f"], 40, size=2.0)
    art.rect(12, h * 0.62, 88, h * 0.90, "#b8862b", radius=2)
    art.rect(16, h * 0.68, 84, h * 0.84, "#9c6f1e", radius=1)
    art.text(50, h * 0.76, "GRUBENGOLD", 5.6, "#f9e2a6")
    for index in range(6):
        x = 17 + index * 12
        art.rect(x, h * 0.32, x + 8, h * 0.62, "#5a3b12", radius=2)
        art.rect(x + 2.5, h * 0.20, x + 5.5, h * 0.33, "#5a3b12")
        art.rect(x + 2.2, h * 0.18, x + 5.8, h * 0.21, "#d4af37")
        art.rect(x + 1, h * 0.42, x + 7, h * 0.52, "#f2c14e")
        art.circle(x + 4, h * 0.47, 1.5, "#5a3b12")
    art.text(50, h * 0.08, "Hauslieferung in ganz Essen", 4.5, "#f2c14e")


def draw_flowers(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#fbeff2")
    stems = [(50 + rng.uniform(-22, 22), h * rng.uniform(0.16, 0.42)) for _ in range(11)]
    for x, y in stems:
        art.line([(x, y), (50, h * 0.72)], "#4f8a3c", 0.9)
    for x, y in stems:
        petals = rng.choice(["#f78154", "#f2c14e", "#e05780", "#b388eb", "#ffffff"])
        for angle in range(6):
            dx, dy = [(3, 0), (1.5, 2.6), (-1.5, 2.6), (-3, 0), (-1.5, -2.6), (1.5, -2.6)][angle]
            art.circle(x + dx, y + dy, 2.2, petals)
        art.circle(x, y, 1.6, "#7a4a12")
    art.poly([(36, h * 0.62), (64, h * 0.62), (58, h * 0.90), (42, h * 0.90)], "#c9a27e")
    art.rect(40, h * 0.64, 60, h * 0.70, "#e05780")
    art.text(50, h * 0.95, "Blumengruesse kontaktlos", 4.4, "#8a3b52")


def draw_coffee(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#3e2c23")
    art.rect(10, h * 0.10, 90, h * 0.80, "#f3e3cf", radius=2)
    art.rect(10, h * 0.80, 90, h * 0.86, "#8a5a34")
    art.line([(50, h * 0.10), (50, h * 0.80)], "#3e2c23", 1.2)
    art.poly([(36, h * 0.38), (64, h * 0.38), (60, h * 0.78), (40, h * 0.78)], "#ffffff")
    art.rect(34, h * 0.33, 66, h * 0.39, "#b24c63", radius=1)
    art.rect(38.5, h * 0.50, 61.5, h * 0.62, "#b24c63")
    art.text(50, h * 0.56, "to go", 4.2, "#ffffff")
    for x in (44, 50, 56):
        art.arc(x - 2, h * 0.16, x + 2, h * 0.24, 90, 270, "#8a5a34", 0.6)
        art.arc(x - 2, h * 0.23, x + 2, h * 0.31, 270, 90, "#8a5a34", 0.6)
    art.text(50, h * 0.93, "Kaffee durchs Fenster", 4.6, "#f3e3cf")


def draw_stage(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#14101f")
    art.poly([(50, 0), (30, h * 0.80), (70, h * 0.80)], "#3a3354")
    art.rect(0, h * 0.80, 100, h, "#5a3b2b")
    for side in (0, 1):
        for fold in range(5):
            x = (fold * 5) if side == 0 else (100 - (fold + 1) * 5)
            colour = "#9e1b32" if fold % 2 == 0 else "#7d1528"
            art.rect(x, 0, x + 5, h * 0.80, colour)
    art.rect(0, 0, 100, h * 0.08, "#9e1b32")
    art.text(50, h * 0.42, "LIVE-STREAM", 6.4, "#f9d976")
    art.text(50, h * 0.55, "jeden Abend 20 Uhr", 4.2, "#ffffff")


def draw_sport(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#3f8f3a")
    for x in range(0, 100, 10):
        art.rect(x, 0, x + 5, h, "#46993f")
    art.line([(50, 0), (50, h)], "#ffffff", 0.6)
    art.circle(50, h / 2, 14, None, "#ffffff", 0.6)
    art.circle(50, h / 2, 8, "#ffffff")
    art.poly([(50, h / 2 - 3), (52.8, h / 2 - 1), (51.8, h / 2 + 2.4), (48.2, h / 2 + 2.4),
              (47.2, h / 2 - 1)], "#2b2b2b")
    art.rect(22, h * 0.04, 78, h * 0.20, "#2d6b29", radius=2)
    art.text(50, h * 0.12, "Bewegungsbox", 6.0, "#ffffff")
    art.rect(22, h * 0.82, 78, h * 0.94, "#2d6b29", radius=2)
    art.text(50, h * 0.88, "Jeden Tag eine Uebung", 4.4, "#ffffff")


def draw_vegetables(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#f4f1de")
    for _ in range(7):  # carrots
        x = rng.uniform(14, 80)
        art.poly([(x, h * 0.30), (x + 6, h * 0.30), (x + 3, h * 0.52)], "#f08a24")
        art.line([(x + 3, h * 0.30), (x + 1, h * 0.22)], "#5fad56", 0.8)
        art.line([(x + 3, h * 0.30), (x + 5, h * 0.21)], "#5fad56", 0.8)
    for _ in range(4):  # lettuce
        x = rng.uniform(16, 84)
        art.circle(x, h * 0.46, 7, "#7cc26b")
        art.circle(x, h * 0.46, 4, "#a6d98f")
    for _ in range(6):  # tomatoes
        art.circle(rng.uniform(14, 86), h * 0.52, 3.4, "#d7263d")
    art.rect(8, h * 0.52, 92, h * 0.88, "#a0703f")
    for y in (0.61, 0.70, 0.79):
        art.line([(8, h * y), (92, h * y)], "#8a5e33", 0.5)
    art.text(50, h * 0.95, "Gemuesekiste vom Hof", 4.4, "#4f3a20")


def draw_distance_poster(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#dfe6ea")
    art.rect(18, h * 0.06, 82, h * 0.94, "#ffffff")
    art.rect(18, h * 0.06, 82, h * 0.22, "#d7263d")
    art.text(50, h * 0.14, "Bitte Abstand halten", 4.4, "#ffffff")
    for x, y in ((34, 0.38), (40, 0.50), (60, 0.38), (66, 0.50)):  # footprints
        art.ellipse(x - 3, h * y, x + 3, h * y + 8, "#23395b")
        art.circle(x, h * y - 1.6, 1.6, "#23395b")
    art.line([(28, h * 0.72), (72, h * 0.72)], "#23395b", 0.8)
    art.text(50, h * 0.80, "1,5 m", 8.0, "#23395b")


def draw_counter_screen(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#f1e9dc")
    art.rect(0, h * 0.58, 100, h, "#8a5a34")
    art.rect(0, h * 0.56, 100, h * 0.60, "#6b4426")
    art.rect(22, h * 0.12, 78, h * 0.56, "#cfe8f3", outline="#9fb8c4", width=0.5)
    art.line([(26, h * 0.16), (38, h * 0.30)], "#ffffff", 1.0)
    art.rect(44, h * 0.48, 56, h * 0.56, "#9fb8c4")
    art.rect(60, h * 0.44, 72, h * 0.56, "#23395b", radius=1)
    art.text(50, h * 0.78, "Spuckschutz nach Mass", 4.8, "#f1e9dc")


def draw_laptop(art: Art, rng: random.Random) -> None:
    h = art.h
    art.rect(0, 0, 100, h, "#23395b")
    art.rect(22, h * 0.18, 78, h * 0.66, "#3c4a57", radius=2)
    art.rect(25, h * 0.22, 75, h * 0.62, "#0b5563")
    for row in range(4):  # four video call tiles
        x, y = 27 + (row % 2) * 24, h * 0.25 + (row // 2) * h * 0.18
        art.rect(x, y, x + 22, y + h * 0.16, "#5a7d8c")
        art.circle(x + 11, y + h * 0.06, 3, "#f2c14e")
        art.ellipse(x + 5, y + h * 0.10, x + 17, y + h * 0.22, "#f2c14e")
        art.rect(x, y + h * 0.16, x + 22, y + h * 0.18, "#0b5563")
    art.poly([(14, h * 0.66), (86, h * 0.66), (92, h * 0.74), (8, h * 0.74)], "#8c99a6")
    art.text(50, h * 0.87, "Homeoffice-Hilfe", 5.4, "#ffffff")


MOTIFS: dict[str, Callable[[Art, random.Random], None]] = {
    "banner": draw_banner, "bread": draw_bread, "masks": draw_masks, "sewing": draw_sewing,
    "truck": draw_truck, "taxi": draw_taxi, "hotel": draw_hotel, "desks": draw_desks,
    "beer": draw_beer, "flowers": draw_flowers, "coffee": draw_coffee, "stage": draw_stage,
    "sport": draw_sport, "vegetables": draw_vegetables, "poster": draw_distance_poster,
    "screen": draw_counter_screen, "laptop": draw_laptop,
}
SIZES = {"square": (1080, 1080), "landscape": (800, 600), "wide": (1200, 630)}


def encode_webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **WEBP)
    return buffer.getvalue()


class MediaStore:
    """Collects generated images under their content-addressed paths."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add(self, image: Image.Image) -> str:
        data = encode_webp(image)
        assert len(data) <= MAX_MEDIA_BYTES, f"image of {len(data)} bytes is too large"
        digest = hashlib.sha256(data).hexdigest()
        path = f"media/{digest[:2]}/{digest[:16]}.webp"
        self.files[path] = data
        return path

    def write(self, root: Path) -> None:
        for path, data in sorted(self.files.items()):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def make_picture(store: MediaStore, motif: str, size: str, rng: random.Random) -> tuple[str, int, int]:
    width, height = SIZES[size]
    art = Art(width, height, "#ffffff")
    MOTIFS[motif](art, rng)
    return store.add(art.finish()), width, height


def make_avatar(store: MediaStore, initials: str, background: str, foreground: str,
                accent: str) -> str:
    art = Art(96, 96, background, scale=4)
    art.circle(84, 16, 24, accent)
    art.rect(0, 82, 100, 100, accent)
    art.text(50, 50, initials, 38 if len(initials) <= 2 else 30, foreground)
    return store.add(art.finish())


# --------------------------------------------------------------------------- ids and URLs

def ms_since_epoch(moment: datetime) -> int:
    return (moment - UNIX_EPOCH) // timedelta(milliseconds=1)


def snowflake_x(moment: datetime, rng: random.Random) -> str:
    """A Twitter/X status id: milliseconds since 2010-11-04 in the upper bits."""
    return str(((ms_since_epoch(moment) - 1288834974657) << 22) | rng.getrandbits(22))


def snowflake_mastodon(moment: datetime, rng: random.Random) -> str:
    return str((ms_since_epoch(moment) << 16) | rng.getrandbits(16))


def linkedin_activity(moment: datetime, rng: random.Random) -> str:
    return str((ms_since_epoch(moment) << 22) | rng.getrandbits(22))


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def bluesky_tid(moment: datetime, rng: random.Random) -> str:
    """An AT Protocol record key: microseconds and a clock id, base32-sortable, 13 characters."""
    micros = (moment - UNIX_EPOCH) // timedelta(microseconds=1) + rng.randrange(1_000_000)
    number, key = (micros << 10) | rng.getrandbits(10), ""
    for _ in range(13):
        key, number = _TID_ALPHABET[number & 31] + key, number >> 5
    return key


_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def meta_shortcode(moment: datetime, rng: random.Random) -> str:
    """An Instagram/Threads shortcode: the media id (time-based) in URL-safe base 64."""
    media_id = ((ms_since_epoch(moment) - 1314220021721) << 23) | rng.getrandbits(23)
    code = ""
    while media_id:
        code, media_id = _SHORTCODE_ALPHABET[media_id % 64] + code, media_id // 64
    return code


# --------------------------------------------------------------------------- organisations

@dataclass
class Org:
    """An invented Essen company or organisation with its accounts."""

    name: str
    website: str  # https://<name>.example/
    accounts: dict[str, str] = field(default_factory=dict)  # platform -> handle or page name
    avatar: tuple[str, str, str, str] | None = None  # initials, background, text, accent
    avatar_path: str = ""

    def author(self, platform: str) -> Author:
        account = self.accounts.get(platform, "")
        if platform == "mastodon":
            user, host = account.split("@")
            return Author(name=self.name, handle=account, url=f"https://{host}/@{user}",
                          avatar=self.avatar_path)
        urls = {
            "bluesky": f"https://bsky.app/profile/{account}",
            "threads": f"https://www.threads.net/@{account}",
            "x": f"https://x.com/{account}",
            "instagram": f"https://www.instagram.com/{account}/",
            "facebook": f"https://www.facebook.com/{account}/",
            "linkedin": f"https://www.linkedin.com/company/{account}/",
        }
        if platform in ("bluesky", "threads", "x", "instagram"):
            return Author(name=self.name, handle=account, url=urls[platform], avatar=self.avatar_path)
        if platform in ("facebook", "linkedin"):
            return Author(name=self.name, url=urls[platform], avatar=self.avatar_path)
        return Author(name=self.name, url=self.website, avatar=self.avatar_path)


ORGS: dict[str, Org] = {
    "ewg": Org("EWG-Redaktion #EssenArbeitetZusammen", "https://essen-arbeitet-zusammen.example/"),
    "kruemel": Org("Backstube Krümel & Co.", "https://baeckerei-kruemel.example/",
                   {"instagram": "backstube.kruemel", "mastodon": "kruemel@ruhr.social.example"},
                   ("BK", "#c8842f", "#ffffff", "#8a5a34")),
    "tintenklecks": Org("Druckhaus Tintenklecks Altenessen", "https://druckhaus-tintenklecks.example/",
                        {"x": "tintenklecks_e", "facebook": "DruckhausTintenklecks"},
                        ("DT", "#23395b", "#ffffff", "#d7263d")),
    "schachtwerk": Org("Schachtwerk IT GmbH", "https://schachtwerk-it.example/",
                       {"bluesky": "schachtwerk-it.example", "mastodon": "schachtwerk@ruhr.social.example",
                        "linkedin": "schachtwerk-it-gmbh"},
                       ("SW", "#0b5563", "#ffffff", "#f2c14e")),
    "kurier": Org("Kohlenpott Kurier Logistik", "https://kohlenpott-kurier.example/",
                  {"x": "kp_kurier", "linkedin": "kohlenpott-kurier-logistik"},
                  ("KK", "#f78154", "#ffffff", "#23395b")),
    "bohnenglueck": Org("Café Bohnenglück", "https://cafe-bohnenglueck.example/",
                        {"threads": "cafe.bohnenglueck", "instagram": "cafe.bohnenglueck"},
                        ("CB", "#3e2c23", "#f3e3cf", "#b24c63")),
    "fadenlauf": Org("Nähstübchen Fadenlauf", "https://naehstuebchen-fadenlauf.example/",
                     {"instagram": "naehstuebchen.fadenlauf", "facebook": "NaehstuebchenFadenlauf"},
                     ("NF", "#b24c63", "#ffffff", "#f2c14e")),
    "floezwerk": Org("Flözwerk Coworking", "https://floezwerk.example/",
                     {"mastodon": "floezwerk@pott.social.example", "bluesky": "floezwerk.bsky.social"},
                     ("FW", "#5fad56", "#ffffff", "#23395b")),
    "grubengold": Org("Brauerei Grubengold", "https://grubengold-bier.example/",
                      {"x": "grubengold", "threads": "grubengold.bier"},
                      ("GG", "#1f2a1f", "#f2c14e", "#b8862b")),
    "pfennigfuchs": Org("Steuerkanzlei Pfennigfuchs & Partner", "https://pfennigfuchs-steuer.example/",
                        {"linkedin": "pfennigfuchs-partner"}),
    "ruhrpfeil": Org("Taxi Ruhrpfeil", "https://taxi-ruhrpfeil.example/",
                     {"facebook": "TaxiRuhrpfeil"},
                     ("TR", "#f2c14e", "#2b2b2b", "#2b2b2b")),
    "foerderturm": Org("Hotel Zum Förderturm", "https://hotel-foerderturm.example/",
                       {"linkedin": "hotel-zum-foerderturm"}),
    "pusteblume": Org("Blumenhaus Pusteblume", "https://pusteblume-kettwig.example/",
                      {"instagram": "pusteblume.kettwig", "bluesky": "pusteblume-kettwig.bsky.social"},
                      ("PB", "#e05780", "#ffffff", "#5fad56")),
    "kohlenfloez": Org("SV Kohlenflöz 09 Katernberg", "https://sv-kohlenfloez.example/",
                       {"facebook": "SVKohlenfloez09"},
                       ("09", "#3f8f3a", "#ffffff", "#f2c14e")),
    "kulisse": Org("Kellertheater Kulissenzauber", "https://kulissenzauber.example/",
                   {"bluesky": "kulissenzauber.bsky.social"},
                   ("KZ", "#9e1b32", "#f9d976", "#14101f")),
    "eselsohr": Org("Buchhandlung Eselsohr", "https://eselsohr-buch.example/",
                    {"mastodon": "eselsohr@ruhr.social.example"}),
    "hobelspan": Org("Schreinerei Hobelspan", "https://schreinerei-hobelspan.example/"),
    "kumpelpixel": Org("Kumpelpixel Werbeagentur", "https://kumpelpixel.example/",
                       {"linkedin": "kumpelpixel", "threads": "kumpelpixel"}),
    "wortbruecke": Org("Wortbrücke Übersetzungen", "https://wortbruecke.example/",
                       {"bluesky": "wortbruecke.example"}),
    "potpfanne": Org("Pott & Pfanne Catering", "https://pott-und-pfanne.example/",
                     {"x": "pott_und_pfanne", "threads": "pott.und.pfanne"}),
    "ruhraue": Org("Gemüsehof Ruhraue", "https://gemuesehof-ruhraue.example/",
                   {"instagram": "gemuesehof.ruhraue"}),
    "rueckenwind": Org("Physiopraxis Rückenwind", "https://physio-rueckenwind.example/"),
    "gluecksrad": Org("Glücksrad Vertrieb", "https://schnell-reich.example/",
                      {"x": "gluecksrad_cash"}),
}


# --------------------------------------------------------------------------- posts

@dataclass
class Draft:
    """One demo post as written here; ids, URLs and media are filled in by build()."""

    org: str
    platform: str
    when: str  # 'YYYY-MM-DD HH:MM', Essen time
    text: str
    category: str = ""
    language: str = "de"
    images: tuple[tuple[str, str, str], ...] = ()  # (motif, size, alt)
    status: str = "approved"
    pinned: bool = False
    content_warning: str = ""
    slug: str = ""  # the native id's name for rss and manual posts
    edited: str = ""  # 'YYYY-MM-DD HH:MM' when the author changed the post
    note: str = ""


DRAFTS: list[Draft] = [
    Draft("ewg", "manual", "2020-03-20 10:00", category="info", pinned=True, slug="ewg-2020-001",
          images=(("banner", "wide", "Grafik mit dem Schriftzug #EssenArbeitetZusammen über einer "
                   "Stadtsilhouette mit Förderturm"),),
          text="""\
Essener Unternehmen helfen sich gegenseitig – und wir helfen dabei.

Die Corona-Krise stellt viele Betriebe in Essen vor große Herausforderungen. Gleichzeitig gibt es viele, \
die gerade etwas anbieten können: freie Lagerflächen, Lieferkapazitäten, Know-how, Mitarbeitende in \
Kurzarbeit oder einfach eine gute Idee.

Mit #EssenArbeitetZusammen bringen wir Angebote und Gesuche zusammen. So machen Sie mit:
1. Posten Sie auf Ihrem Kanal, was Sie anbieten oder suchen – am besten beginnend mit „Wir bieten …“ \
oder „Wir suchen …“.
2. Verwenden Sie den Hashtag #EssenArbeitetZusammen.
3. Wir sammeln die Beiträge hier auf der Wall. Über „Kontakt aufnehmen“ stellen wir gern die Verbindung her.

Alle Infos zum Mitmachen: https://essen-arbeitet-zusammen.example/mitmachen"""),

    Draft("tintenklecks", "x", "2020-03-20 14:32", category="angebot",
          text="Wir bieten ab sofort Spuckschutz-Aufsteller, Abstandsaufkleber für den Boden und "
               "Aushänge für Ladenlokale – Lieferung in 48 Std. in ganz #Essen. Auch Kleinstauflagen! "
               "#EssenArbeitetZusammen #Corona"),

    Draft("kruemel", "instagram", "2020-03-21 07:45", category="angebot", edited="2020-03-21 12:10",
          images=(("bread", "square", "Regal mit frischen Broten und Brötchen in der Backstube"),),
          text="""\
Ich biete allen Pflegekräften, Ärztinnen und Ärzten, Kassiererinnen und Kassierern in Rüttenscheid ab \
Montag jeden Morgen einen Kaffee und ein belegtes Brötchen gratis an. 🥖☕

Einfach Dienstausweis zeigen – ihr haltet den Laden am Laufen, wir halten euch bei Kräften.

Unsere Öffnungszeiten bleiben vorerst:
Mo–Sa 6:30–13:00 Uhr
So 7:30–11:00 Uhr

#EssenArbeitetZusammen #Rüttenscheid #Essen #Nachbarschaftshilfe #Danke"""),

    Draft("floezwerk", "mastodon", "2020-03-21 11:20", category="angebot",
          text="""\
Wir bieten Essener Soloselbstständigen und kleinen Teams, die zu Hause nicht vernünftig arbeiten \
können, feste Einzelplätze mit mindestens 2 m Abstand – für die nächsten vier Wochen kostenlos.

Desinfektionsmittel steht bereit, die Gemeinschaftsküche bleibt zu.

Anfragen per DM oder an @empfang@pott.social.example

#EssenArbeitetZusammen #Coworking #Essen"""),

    Draft("fadenlauf", "facebook", "2020-03-22 16:05", category="gesuch",
          text="""\
Wir suchen Baumwollstoff, Gummiband – und fleißige Hände!

Seit Freitag nähen wir im Nähstübchen Behelfsmasken für Pflegedienste und Arztpraxen in Frohnhausen \
und Holsterhausen. Die Nachfrage ist riesig, unser Material geht zur Neige.

Wer hat Stoffreste (100 % Baumwolle, bei 60 Grad waschbar), Gummiband oder Schrägband übrig? Abgabe \
kontaktlos in der Kiste vor unserer Tür, Mo–Fr 10–16 Uhr.

Wer zu Hause eine Nähmaschine hat und mitnähen möchte: Schnittmuster und Anleitung gibt es unter \
https://naehstuebchen-fadenlauf.example/maskenanleitung

#EssenArbeitetZusammen #Nachbarschaftshilfe #Maskenhelden #Essen"""),

    Draft("kurier", "linkedin", "2020-03-23 08:30", category="angebot",
          text="""\
Wir bieten freie Lager- und Transportkapazitäten in Essen-Vogelheim.

Durch die aktuelle Lage sind bei uns kurzfristig rund 1.200 Palettenstellplätze und mehrere \
7,5-Tonner mit Fahrern frei geworden. Diese Kapazitäten möchten wir Essener Unternehmen zur Verfügung \
stellen, die gerade Engpässe haben – zum Beispiel dem Lebensmittelhandel, Apotheken und medizinischen \
Versorgern.

Konditionen: zum Selbstkostenpreis, solange die Krise andauert.
Ansprechpartner: unsere Disposition, dispo@kohlenpott-kurier.example

#EssenArbeitetZusammen #Logistik #Ruhrgebiet #Corona"""),

    Draft("kurier", "x", "2020-03-23 08:41", category="angebot",
          images=(("truck", "landscape", "Gezeichneter orangefarbener Lkw mit der Aufschrift "
                   "Kohlenpott Kurier auf einer Straße"),),
          text="Wir bieten freie Lagerflächen (ca. 1.200 Palettenplätze) + 7,5-t-Lkw mit Fahrer für "
               "Essener Betriebe mit Engpässen. Zum Selbstkostenpreis. "
               "https://kohlenpott-kurier.example/hilfe #EssenArbeitetZusammen #Logistik"),

    Draft("schachtwerk", "bluesky", "2020-03-23 13:10", category="angebot",
          text="Wir bieten Vereinen, Praxen und kleinen Betrieben in Essen kostenlose Hilfe beim Umstieg "
               "ins Homeoffice: VPN, Videokonferenzen, sichere Passwörter. 1 Stunde per Video, ohne "
               "Verkaufsgespräch. https://schachtwerk-it.example/homeoffice #EssenArbeitetZusammen"),

    Draft("bohnenglueck", "threads", "2020-03-24 09:00", category="info",
          text="""\
Ab heute gibt es bei uns nur noch Kaffee und Kuchen zum Mitnehmen – durchs Fenster, mit Abstand.

Öffnungszeiten: Di–So 9–15 Uhr
Danke, dass ihr uns die Treue haltet! ☕

#EssenArbeitetZusammen #Holsterhausen #Essen"""),

    Draft("eselsohr", "mastodon", "2020-03-24 15:20", category="angebot",
          text="""\
Wir bieten: Bücher-Lieferung per Fahrrad in Rüttenscheid, Bredeney und Holsterhausen. Bestellen per \
Mail oder über https://eselsohr-buch.example/bestellen – am nächsten Tag liegt das Buch vor der Tür.

Die Radkurierinnen hat uns @speichenglueck@ruhr.social.example vermittelt. Danke!

#EssenArbeitetZusammen #Buchhandlung #Rüttenscheid"""),

    Draft("ruhrpfeil", "facebook", "2020-03-25 10:15", category="angebot",
          images=(("taxi", "landscape", "Zeichnung eines elfenbeinfarbenen Taxis vor Häusern"),),
          text="""\
Wir bieten Einkaufs- und Apothekenfahrten für ältere und gefährdete Menschen in Steele, Kray und Horst \
zum Festpreis von 5 Euro pro Fahrt. Unsere Fahrerinnen und Fahrer kaufen auf Wunsch auch für Sie ein und \
bringen alles kontaktlos bis vor die Wohnungstür.

Und an alle Essener Unternehmen: Unsere Wagen stehen im Moment viel zu oft. Wer Kurierfahrten, \
Botengänge oder Transporte braucht – sprechen Sie uns an!

Bestellung: https://taxi-ruhrpfeil.example/einkaufsfahrt

#EssenArbeitetZusammen #Nachbarschaftshilfe #Essen #Steele"""),

    Draft("pfennigfuchs", "linkedin", "2020-03-25 17:40", category="angebot",
          text="""\
Soforthilfe, Kurzarbeitergeld, Stundung der Steuervorauszahlungen – viele Essener Unternehmerinnen und \
Unternehmer wissen gerade nicht, wo sie anfangen sollen.

Wir bieten Selbstständigen und Kleinbetrieben in Essen eine kostenlose Erstberatung (30 Minuten, per \
Telefon oder Video) zu allen Corona-Hilfen an. Auch wenn Sie (noch) nicht zu unseren Mandanten gehören.

Terminvergabe: https://pfennigfuchs-steuer.example/erstberatung

#EssenArbeitetZusammen #Soforthilfe #Kurzarbeit #Steuerberatung #Essen"""),

    Draft("grubengold", "x", "2020-03-26 12:00", category="idee",
          text="Idee: Unser Bier steht im Lager, eure Kneipen sind zu. Wir packen Kisten für Stammgäste – "
               "pro Kiste geht 1 € an eure Lieblingskneipe in #Borbeck. Wer fährt mit aus? "
               "@pott_und_pfanne? 🍺 #EssenArbeitetZusammen"),

    Draft("foerderturm", "rss", "2020-03-26 09:00", category="angebot",
          slug="aktuelles/zimmer-fuer-pflegekraefte", edited="2020-03-27 16:30",
          images=(("hotel", "landscape", "Zeichnung des Hotels bei Nacht mit beleuchteten Fenstern "
                   "und einem Förderturm daneben"),),
          text="""\
Zimmer für Pflege- und Einsatzkräfte

Da wir derzeit keine touristischen Gäste aufnehmen dürfen, stellen wir unsere 28 Zimmer Pflegekräften, \
Ärztinnen und Ärzten sowie Einsatzkräften zur Verfügung, die in Kliniknähe übernachten oder ihre \
Familien schützen möchten. Wir bieten die Zimmer zum Selbstkostenpreis an, Frühstück zum Mitnehmen \
inklusive.

Kliniken und Pflegedienste können Kontingente direkt bei uns anfragen: rezeption@hotel-foerderturm.example

#EssenArbeitetZusammen"""),

    Draft("fadenlauf", "instagram", "2020-03-26 19:30", category="info",
          images=(("masks", "square", "Vier genähte Behelfsmasken aus bunten Stoffen"),
                  ("sewing", "square", "Garnrollen in fünf Farben und ein gelbes Maßband auf dem "
                   "Nähtisch")),
          text="""\
Tag 7 im Maskenmarathon: 412 Masken sind fertig und an vier Pflegedienste, zwei Hausarztpraxen und \
ein Seniorenheim in Frohnhausen gegangen. 🧵

Danke an alle, die Stoff, Gummiband und Zeit gespendet haben – und an @backstube.kruemel für die \
Brötchen in der Mittagspause!

Wichtig: Unsere Masken sind Behelfsmasken, keine medizinischen Schutzmasken.

#EssenArbeitetZusammen #Maskenhelden #Frohnhausen #Nachbarschaftshilfe"""),

    Draft("floezwerk", "bluesky", "2020-03-27 10:45", category="gesuch",
          images=(("desks", "landscape", "Drei Schreibtische mit Laptops im Abstand von zwei Metern"),),
          text="Wir suchen gebrauchte Laptops und Headsets! Viele Familien haben gerade Homeschooling und "
               "nur einen Rechner. Habt ihr Altgeräte im Betrieb? Wir setzen sie neu auf und verteilen "
               "sie. hallo@floezwerk.example #EssenArbeitetZusammen"),

    Draft("schachtwerk", "mastodon", "2020-03-27 14:00", category="angebot", language="en",
          text="""\
We offer free help to Essen-based non-profits moving their work online: video calls, shared documents, \
secure remote access. Our team at Zollverein has some spare time right now – no strings attached.

Details: https://schachtwerk-it.example/en/help
Boosts appreciated, @floezwerk@pott.social.example!

#EssenArbeitetZusammen #Essen #RemoteWork"""),

    Draft("hobelspan", "manual", "2020-03-28 11:30", category="angebot", slug="einreichung-2020-004",
          text="""\
Ich biete als Schreinerei Spuckschutz aus Acrylglas nach Maß für Theken, Kassen und Empfangstresen an. \
Aufbau in ganz Essen innerhalb von drei Werktagen, Material ist noch vorrätig.

Außerdem haben wir Kapazitäten für Trennwände in Großraumbüros frei.

Anfragen bitte an werkstatt@schreinerei-hobelspan.example – Stichwort „Spuckschutz“."""),

    Draft("kohlenfloez", "facebook", "2020-03-28 18:00", category="info",
          content_warning="Corona-Fallzahlen",
          text="""\
Liebe Mitglieder, liebe Eltern,

mit Blick auf die weiter steigenden Corona-Fallzahlen in Essen und im ganzen Ruhrgebiet bleibt unser \
Vereinsgelände bis auf Weiteres geschlossen. Das gilt für alle Mannschaften, auch für das Training in \
Kleingruppen.

Wir wissen, dass das für viele – gerade für die Kinder – hart ist. Unsere Trainerinnen und Trainer \
stellen ab nächster Woche Übungen für zu Hause online.

Bleibt gesund und passt aufeinander auf!
Euer Vorstand

#EssenArbeitetZusammen #Katernberg #Vereinsleben"""),

    Draft("grubengold", "threads", "2020-03-29 16:20", category="angebot",
          images=(("beer", "square", "Sechs Bierflaschen auf einer Kiste mit der Aufschrift Grubengold"),),
          text="""\
Wir bieten ab sofort Hauslieferung in ganz Essen: Kisten, Fässchen, Gutscheine.

Und weil unsere Abfüllanlage gerade nicht ausgelastet ist, füllen wir jetzt für eine Apotheke in \
Borbeck Desinfektionsmittel ab. Verrückte Zeiten.

#EssenArbeitetZusammen #Borbeck #Brauerei"""),

    Draft("pusteblume", "instagram", "2020-03-30 09:40", category="angebot",
          images=(("flowers", "square", "Bunter Blumenstrauß in einer Papiermanschette"),),
          text="""\
Wir bieten: Blumengrüße kontaktlos! 🌷

Ihr bestellt online oder per Nachricht, wir liefern in Kettwig, Werden und Schuir direkt vor die \
Tür – mit handgeschriebenem Kärtchen. Für alle, die ihre Liebsten gerade nicht besuchen dürfen.

Bestellen: https://pusteblume-kettwig.example/gruss

#EssenArbeitetZusammen #Kettwig #Blumen #Essen #Nachbarschaftshilfe"""),

    Draft("kumpelpixel", "linkedin", "2020-04-01 10:05", category="idee",
          text="""\
Idee: ein gemeinsamer Online-Gutscheinshop für Essener Einzelhändler, Cafés und Dienstleister.

Viele Läden mussten schließen, die Stammkundschaft möchte helfen – aber nicht jeder Betrieb hat einen \
Onlineshop. Wir würden die Plattform bauen (pro bono), die Abwicklung übernimmt ein \
Zahlungsdienstleister.

Was wir dafür suchen:
– 10 bis 15 Betriebe, die beim Start dabei sind
– jemanden, der mit uns auf die rechtlichen Fragen schaut
– Ideen für einen guten Namen

Wer hat Interesse? Ein Kommentar oder eine Nachricht genügt.

#EssenArbeitetZusammen #Einzelhandel #Gutscheine #Essen #Ruhrgebiet"""),

    Draft("wortbruecke", "bluesky", "2020-04-01 15:30", category="angebot", language="en",
          text="We offer free translations of Corona notices for shops, doctors' practices and landlords "
               "in Essen: German to English, Turkish, Arabic and Polish. Send us your one-pager, get it "
               "back within 24 h. https://wortbruecke.example/notices #EssenArbeitetZusammen"),

    Draft("pfennigfuchs", "rss", "2020-04-02 08:15", category="info", slug="aktuelles/soforthilfe-nrw",
          text="""\
Soforthilfe NRW: Was Sie jetzt wissen müssen

Seit dem 27. März können Soloselbstständige und kleine Unternehmen in Nordrhein-Westfalen die \
Soforthilfe beantragen. Wir haben die wichtigsten Fragen zusammengestellt: Wer ist antragsberechtigt? \
Was gilt als Liquiditätsengpass? Was passiert, wenn am Ende weniger Geld gebraucht wurde?

Unser Merkblatt steht kostenlos zum Download bereit: https://pfennigfuchs-steuer.example/merkblatt.pdf

Für Fragen erreichen Sie uns weiterhin per Telefon und Videokonferenz. #EssenArbeitetZusammen"""),

    Draft("kohlenfloez", "facebook", "2020-04-03 17:25", category="idee",
          images=(("sport", "landscape", ""),),
          text="""\
Idee für alle Sportvereine in Essen: Macht mit bei unserer „Bewegungsbox“! Jeden Tag eine Übung für \
zu Hause – die Kinder filmen sich, die Eltern posten mit #KohlenflözBewegt. Unsere Übungskarten gibt \
es als PDF für alle Vereine: https://sv-kohlenfloez.example/bewegungsbox

Und noch etwas: Der Kühlraum in unserem Vereinsheim steht leer. Falls eine Tafel oder ein Caterer \
Kühlfläche braucht – meldet euch!

#EssenArbeitetZusammen #Sport #Essen"""),

    Draft("bohnenglueck", "instagram", "2020-04-04 11:00", category="gesuch",
          images=(("coffee", "square", "Kaffeebecher zum Mitnehmen im Verkaufsfenster des Cafés"),),
          text="""\
Ich suche eine Kooperation mit einer Essener Bäckerei oder Konditorei 🥐

Unser Kuchen zum Mitnehmen läuft so gut, dass ich mit dem Backen nicht mehr hinterherkomme. Wer hat \
Kapazitäten und Lust auf Zusammenarbeit? Gern per DM. Vielleicht @backstube.kruemel? 😉

#EssenArbeitetZusammen #Holsterhausen #Essen"""),

    Draft("potpfanne", "threads", "2020-04-06 08:50", category="gesuch",
          text="""\
Wir suchen Kühlfläche! Für die Osterwoche haben wir Bestellungen für 600 Essen am Tag, unser Kühlraum \
ist dafür zu klein.

Wer in Kupferdreh, Byfang oder Überruhr ein paar Quadratmeter Kühlraum übrig hat: bitte melden.

#EssenArbeitetZusammen #Gastronomie #Essen"""),

    Draft("kruemel", "mastodon", "2020-04-06 13:35", category="angebot",
          text="""\
Wir bieten Essener Cafés und Kiosken, die gerade selbst nicht backen können, Kuchen und Teilchen zum \
Händlerpreis an – geliefert morgens mit dem Lastenrad.

Die erste Kooperation mit dem Café Bohnenglück in Holsterhausen läuft seit heute. 🎉

Interesse? Schreibt uns: hallo@baeckerei-kruemel.example

#EssenArbeitetZusammen #Rüttenscheid #Holsterhausen"""),

    Draft("kulisse", "bluesky", "2020-04-07 19:00", category="info",
          images=(("stage", "landscape", "Bühne mit rotem Vorhang und dem Schriftzug Live-Stream, "
                   "jeden Abend 20 Uhr"),),
          text="Der Vorhang bleibt zu – aber nicht ganz: Ab Freitag streamen wir jeden Abend um 20 Uhr "
               "eine Aufzeichnung aus unserem Archiv. Eintritt frei, Spenden helfen den freien "
               "Ensembles. https://kulissenzauber.example/stream #EssenArbeitetZusammen #Kultur"),

    Draft("foerderturm", "linkedin", "2020-04-08 12:30", category="info", language="en",
          text="""\
An update from Hotel Zum Förderturm in Essen-Kray: since the end of March, nurses and doctors from \
three Essen hospitals have stayed with us – more than 400 nights so far.

Thank you to everyone who made this possible, above all to our team, who came back from short-time \
work to keep the house running.

If your organisation needs rooms for key workers, we still offer them at cost: \
https://hotel-foerderturm.example/en/key-workers

#EssenArbeitetZusammen #Hospitality #Essen"""),

    Draft("ewg", "manual", "2020-04-09 09:00", category="info", pinned=True, slug="ewg-2020-002",
          text="""\
Drei Wochen #EssenArbeitetZusammen – eine erste Zwischenbilanz

Bäckereien beliefern Cafés, eine Spedition lagert für den Lebensmittelhandel ein, Nähstuben versorgen \
Pflegedienste mit Behelfsmasken: Aus vielen Beiträgen auf dieser Wall sind schon echte Kooperationen \
entstanden. Danke an alle, die mitmachen!

Neu: Sie können die Wall jetzt nach Angeboten, Gesuchen, Ideen und Informationen filtern. Wenn Sie \
Kontakt zu einem Unternehmen aufnehmen möchten, nutzen Sie „Kontakt aufnehmen“ unter dem Beitrag – \
wir stellen die Verbindung her.

Sie haben keinen Social-Media-Kanal? Beiträge nehmen wir auch über unser Formular entgegen: \
https://essen-arbeitet-zusammen.example/einreichen"""),

    Draft("potpfanne", "x", "2020-04-09 12:15", category="angebot",
          text="Wir bieten Mittagstisch zum Abholen und Liefern für alle, die noch arbeiten: Handwerk, "
               "Pflege, Logistik. Ab 10 Portionen liefern wir kostenlos in ganz #Essen. Und "
               "@grubengold: Deal, eure Kisten fahren ab sofort mit! #EssenArbeitetZusammen"),

    Draft("ruhraue", "instagram", "2020-04-11 10:20", category="angebot",
          images=(("vegetables", "square", ""),),
          text="""\
Wir bieten Gemüsekisten vom Hof in Kettwig – jeden Freitag frisch geerntet und geliefert in ganz \
Essen-Süd. Dazu gibt es Eier, Kartoffeln und Honig. 🥕

Neu: Unsere Kisten könnt ihr auch im Blumenhaus @pusteblume.kettwig abholen.

Bestellung bis Mittwoch: https://gemuesehof-ruhraue.example/kiste

#EssenArbeitetZusammen #Kettwig #Regional #Essen"""),

    Draft("kulisse", "rss", "2020-04-14 10:00", category="gesuch", slug="blog/technik-partner-gesucht",
          text="""\
Wir suchen Technik-Partner für unseren Theater-Stream

Unser Abendstream hat mehr Zuschauerinnen und Zuschauer, als wir je Plätze hatten – und stößt \
technisch an seine Grenzen. Wir suchen ein Essener Unternehmen, das uns mit einer zweiten Kamera, \
einem Audio-Mischpult oder einfach mit Know-how unter die Arme greift.

Als Dankeschön gibt es Freikarten für die erste Vorstellung nach der Wiedereröffnung und einen Platz \
im Abspann. #EssenArbeitetZusammen"""),

    Draft("tintenklecks", "facebook", "2020-04-16 15:10", category="angebot",
          images=(("poster", "landscape", "Plakat „Bitte Abstand halten“ mit Fußabdrücken und 1,5 m"),
                  ("screen", "landscape", "Spuckschutz aus Acrylglas auf einer Ladentheke")),
          text="""\
Wir bieten Gastronomie und Einzelhandel in Essen ein Starterpaket für die Wiedereröffnung: \
Abstandsmarkierungen, Plakate mit Hygieneregeln, Aufsteller „Bitte einzeln eintreten“ und \
Spuckschutz aus Acrylglas (zusammen mit der Schreinerei Hobelspan).

Alles gibt es auch auf Türkisch, Englisch und Arabisch – die Übersetzungen hat uns die Wortbrücke \
gespendet. Danke!

Infos und Preise: https://druckhaus-tintenklecks.example/wiedereroeffnung

#EssenArbeitetZusammen #Altenessen #Einzelhandel #Essen"""),

    Draft("schachtwerk", "linkedin", "2020-04-17 09:30", category="gesuch",
          images=(("laptop", "landscape", "Laptop mit einer Videokonferenz aus vier Kacheln"),),
          text="""\
Wir suchen zwei Werkstudierende (m/w/d) für unser Remote-Support-Team – gerade jetzt, weil viele \
Essener Mittelständler ihre IT für das Homeoffice umbauen. Die Arbeit ist vollständig remote möglich, \
unser Büro liegt auf Zollverein.

Gern auch Studierende, die wegen der Krise ihren Nebenjob verloren haben.

Bewerbung: https://schachtwerk-it.example/jobs

#EssenArbeitetZusammen #Jobs #Werkstudium #Essen #Zollverein"""),

    Draft("rueckenwind", "manual", "2020-04-20 14:45", category="gesuch", slug="einreichung-2020-019",
          text="""\
Wir suchen FFP2-Masken und Einmalhandschuhe in kleinen Mengen (je etwa 200 Stück) zu fairen Preisen.

Unsere Praxis in Huttrop behandelt weiterhin Patientinnen und Patienten mit ärztlicher Verordnung, \
unsere Lieferanten sind seit Wochen ausverkauft.

Angebote gern an praxis@physio-rueckenwind.example"""),

    Draft("floezwerk", "mastodon", "2020-04-21 18:10",
          text="""\
Update zur Laptop-Aktion: 37 gespendete Geräte sind neu aufgesetzt und bei Familien in Altendorf, \
Frohnhausen und Katernberg angekommen. 💻

Danke an @schachtwerk@ruhr.social.example fürs Aufsetzen und an alle Firmen, die ihre Altgeräte \
gespendet haben!

#EssenArbeitetZusammen #Homeschooling"""),

    Draft("gluecksrad", "x", "2020-04-22 23:55", status="rejected",
          note="Werbung ohne Bezug zu Essen, abgelehnt.",
          text="5.000 € im Monat von zu Hause aus verdienen!!! Ohne Vorkenntnisse, nur heute: "
               "https://schnell-reich.example/start #EssenArbeitetZusammen #Homeoffice #Corona"),

    Draft("pusteblume", "bluesky", "2020-04-24 17:30",
          text="Danke, Essen! 💐 Seit Ende März haben wir über 900 Blumengrüße zu Menschen gebracht, die "
               "ihre Liebsten nicht besuchen konnten. Und seit Montag ist unser Laden wieder offen – "
               "mit Maske und Abstand. Wir freuen uns auf euch! #EssenArbeitetZusammen #Kettwig"),

    Draft("kumpelpixel", "threads", "2020-04-28 11:40", category="gesuch", status="pending",
          note="Rückfrage an den Absender: Kontaktweg fehlt.",
          text="""\
Wir suchen Fotografinnen und Fotografen aus Essen, die Lust auf ein Projekt haben: Porträts von \
Betrieben, die in der Krise zusammengearbeitet haben.

Bezahlt, draußen und mit Abstand. Meldet euch!

#EssenArbeitetZusammen #Fotografie #Essen"""),

    Draft("eselsohr", "mastodon", "2020-04-29 16:05", category="idee", status="pending",
          text="""\
Idee: Vorlesepatenschaften am Telefon. Viele Ältere sitzen gerade allein zu Hause, viele Jüngere \
haben Zeit und eine gute Stimme.

Wir würden die Bücher stellen – wer hilft bei der Vermittlung? Vielleicht ein Verein oder ein \
Pflegedienst? @floezwerk@pott.social.example, habt ihr eine Idee?

#EssenArbeitetZusammen #Nachbarschaftshilfe #Lesen"""),
]


# --------------------------------------------------------------------------- checks

ALLOWED_LINK_HOSTS = ("example.com", "example.org", "example.net")
PLATFORM_HOSTS = {
    "bluesky": "bsky.app", "threads": "www.threads.net", "x": "x.com",
    "instagram": "www.instagram.com", "facebook": "www.facebook.com", "linkedin": "www.linkedin.com",
}
LENGTH_LIMITS = {"x": 280, "bluesky": 300, "mastodon": 500, "threads": 500}
# The wall's own token rules (wall/text.py): a URL wins over a '#' inside it.
_TOKENS = re.compile(r"(?P<url>https?://[^\s<>\"'`\\^{}|]+)|(?<![\w#&/])#(?P<tag>\w[\w·-]*\w|\w)")
_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def invented_host(host: str) -> bool:
    """True for the reserved example domains and the reserved .example TLD."""
    host = host.lower()
    return host.endswith(".example") or any(host == d or host.endswith("." + d)
                                            for d in ALLOWED_LINK_HOSTS)


def hashtags(text: str) -> tuple[str, ...]:
    """The text's hashtags without '#', first spelling wins, in order of appearance."""
    found: dict[str, str] = {}
    for match in _TOKENS.finditer(text):
        tag = match.group("tag")
        if tag and tag.casefold() not in found:
            found[tag.casefold()] = tag
    return tuple(found.values())


def check_draft(draft: Draft) -> None:
    where = f"{draft.org} on {draft.platform} at {draft.when}"
    limit = LENGTH_LIMITS.get(draft.platform)
    assert limit is None or len(draft.text) <= limit, f"{where}: {len(draft.text)} > {limit} characters"
    # Posts sent in through the form (manual) need not carry the hashtag.
    assert draft.platform == "manual" or "EssenArbeitetZusammen" in hashtags(draft.text), \
        f"{where}: the hashtag is missing"
    for match in _TOKENS.finditer(draft.text):
        if match.group("url"):
            assert invented_host(urlsplit(match.group("url")).hostname or ""), f"{where}: {match.group()}"
    for name in _MENTION.findall(draft.text):
        if draft.platform == "mastodon":
            assert name.count("@") == 1 and invented_host(name.split("@")[1]), f"{where}: @{name}"
        else:
            assert "@" not in name, f"{where}: @{name}"
    assert not re.search(r"[ \t]$", draft.text, re.M), f"{where}: trailing spaces"


def check_post(post: Post) -> None:
    host = urlsplit(post.url).hostname or ""
    expected = PLATFORM_HOSTS.get(post.platform)
    assert (host == expected) if expected else invented_host(host), post.url
    if post.author.url:
        author_host = urlsplit(post.author.url).hostname or ""
        assert author_host == expected if expected else invented_host(author_host), post.author.url


# --------------------------------------------------------------------------- build

def essen_time(text: str) -> datetime:
    """'2020-03-23 09:15' in Essen: +01:00 before summer time began, +02:00 after."""
    naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
    moment = naive.replace(tzinfo=CET)
    if moment >= SUMMER_TIME_2020:
        moment = naive.replace(tzinfo=CEST)
        assert moment >= SUMMER_TIME_2020, f"{text} does not exist in Essen (clocks jumped)"
    return moment


def identify(draft: Draft, org: Org, published: datetime, rng: random.Random) -> tuple[str, str]:
    """The post id and its permalink, shaped like the platform's own."""
    account = org.accounts.get(draft.platform, "")
    if draft.platform == "mastodon":
        user, host = account.split("@")
        status = snowflake_mastodon(published, rng)
        return f"mastodon:{host}:{status}", f"https://{host}/@{user}/{status}"
    if draft.platform == "bluesky":
        key = bluesky_tid(published, rng)
        return f"bluesky:{key}", f"https://bsky.app/profile/{account}/post/{key}"
    if draft.platform == "threads":
        code = meta_shortcode(published, rng)
        return f"threads:{code}", f"https://www.threads.net/@{account}/post/{code}"
    if draft.platform == "instagram":
        code = meta_shortcode(published, rng)
        return f"instagram:{code}", f"https://www.instagram.com/p/{code}/"
    if draft.platform == "x":
        status = snowflake_x(published, rng)
        return f"x:{status}", f"https://x.com/{account}/status/{status}"
    if draft.platform == "facebook":
        page = str(rng.randrange(10**14, 10**15))
        story = str(rng.randrange(2 * 10**15, 3 * 10**15))
        return f"facebook:{page}_{story}", f"https://www.facebook.com/{account}/posts/{story}"
    if draft.platform == "linkedin":
        urn = f"urn:li:share:{linkedin_activity(published, rng)}"
        return f"linkedin:{urn}", f"https://www.linkedin.com/feed/update/{urn}/"
    if draft.platform == "rss":
        host = urlsplit(org.website).hostname
        return f"rss:{host}:{draft.slug}", f"{org.website}{draft.slug}"
    if draft.platform == "manual":
        return f"manual:{draft.slug}", f"{org.website}beitraege/{draft.slug}"
    raise ValueError(draft.platform)


def build(rng: random.Random, store: MediaStore) -> list[Post]:
    for key in sorted(ORGS):
        org = ORGS[key]
        if org.avatar:
            org.avatar_path = make_avatar(store, *org.avatar)
    posts: list[Post] = []
    for index, draft in enumerate(DRAFTS):
        check_draft(draft)
        org = ORGS[draft.org]
        published = essen_time(draft.when)
        post_id, url = identify(draft, org, published, rng)
        media = []
        for motif, size, alt in draft.images:
            path, width, height = make_picture(store, motif, size, rng)
            media.append(Media(path=path, type="image", alt=alt, width=width, height=height))
        # The connectors fetch every hour; manual posts are entered by editors, never fetched.
        edited_at = essen_time(draft.edited) if draft.edited else None
        fetched_at = None
        if draft.platform != "manual":
            fetched_at = (edited_at or published) + timedelta(minutes=20 + (index * 17) % 40)
        post = Post(
            id=post_id, platform=draft.platform, url=url, author=org.author(draft.platform),
            published=published, text=draft.text, status=draft.status, media=tuple(media),
            category=draft.category, pinned=draft.pinned, content_warning=draft.content_warning,
            language=draft.language, hashtags=hashtags(draft.text), source=SOURCE,
            fetched_at=fetched_at, edited_at=edited_at,
            note=draft.note)
        check_post(post)
        posts.append(post)
    ids = [post.id for post in posts]
    files = [post_filename(post_id) for post_id in ids]
    assert len(set(ids)) == len(ids), "duplicate ids"
    assert len(set(files)) == len(files), "two ids map to the same file"
    return posts


def main() -> int:
    rng = random.Random(SEED)
    store = MediaStore()
    posts = build(rng, store)
    for folder in ("posts", "media"):
        shutil.rmtree(DEMO / folder, ignore_errors=True)
    store.write(DEMO)
    for post in posts:
        write_post(DEMO, post)
    size = sum(len(data) for data in store.files.values())
    print(f"wrote {len(posts)} posts and {len(store.files)} media files ({size / 1024:.0f} KiB) to {DEMO}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
