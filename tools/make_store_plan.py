"""Draw the sample store plan (assets/store_plan.png): the demo store's two floors, side by side.

    python tools/make_store_plan.py

Zones sit where tools/sample_looks.py places their points (x, y from 0 to 1 of the image),
so the kiosk's marker lands on the right table. Labels are bilingual and small: the
kiosk writes the location itself, in the shopper's language, under the plan.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_looks import ZONES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
W, H, SCALE = 1600, 1000, 2          # drawn at twice the size, then downsampled
PAGE, INK, MUTED, FILL = (246, 243, 238), (46, 43, 40), (140, 132, 124), (232, 226, 217)
MARGIN, GAP = 0.04, 0.04


def px(x: float, y: float) -> tuple[int, int]:
    return int(x * W * SCALE), int(y * H * SCALE)


def main() -> int:
    img = Image.new("RGB", (W * SCALE, H * SCALE), PAGE)
    draw = ImageDraw.Draw(img)
    fonts = ROOT / "assets" / "fonts"
    small = ImageFont.truetype(str(fonts / "Inter-Medium.otf"), 15 * SCALE)
    tiny = ImageFont.truetype(str(fonts / "Inter-Regular.otf"), 12 * SCALE)
    floors = [(MARGIN, 0.5 - GAP / 2, "REZ-DE-CHAUSSÉE  ·  GROUND FLOOR"),
              (0.5 + GAP / 2, 1 - MARGIN, "PREMIER ÉTAGE  ·  FIRST FLOOR")]
    for x0, x1, title in floors:
        draw.rectangle([px(x0, 0.12), px(x1, 0.92)], outline=INK, width=3 * SCALE)
        draw.text(px(x0, 0.05), title, font=small, fill=INK)
    # the entrance: a gap in the ground floor's front wall, the stairs in its back corner
    draw.line([px(0.20, 0.92), px(0.30, 0.92)], fill=PAGE, width=8 * SCALE)
    draw.text(px(0.205, 0.94), "ENTRÉE · ENTRANCE", font=tiny, fill=MUTED)
    for floor_x in (0.22, 0.74):
        for step in range(6):
            y = 0.14 + step * 0.022
            draw.line([px(floor_x, y), px(floor_x + 0.06, y)], fill=MUTED, width=SCALE)
    # fitting rooms on the first floor
    for i in range(3):
        x = 0.56 + i * 0.05
        draw.rectangle([px(x, 0.80), px(x + 0.045, 0.92)], outline=MUTED, width=SCALE)
    draw.text(px(0.56, 0.76), "CABINES · FITTING ROOMS", font=tiny, fill=MUTED)
    sizes = {"bags": (0.05, 0.46), "small": (0.12, 0.10), "eyewear": (0.10, 0.07), "hats": (0.10, 0.10),
             "shoes": (0.14, 0.16), "coats": (0.05, 0.26), "dresses": (0.05, 0.26),
             "tailoring": (0.14, 0.12)}
    for zone, (_fr, _en, (x, y)) in ZONES.items():
        w, h = sizes[zone]
        draw.rounded_rectangle([px(x - w / 2, y - h / 2), px(x + w / 2, y + h / 2)],
                               radius=8 * SCALE, fill=FILL, outline=MUTED, width=SCALE)
    img = img.resize((W, H), Image.LANCZOS)
    out = ROOT / "assets" / "store_plan.png"
    img.save(out, optimize=True)
    print(f"{out}: {out.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
