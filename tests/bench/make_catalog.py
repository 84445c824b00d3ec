"""Write a large synthetic catalog (products.json, stock.json) for benchmarks.

    python tests/bench/make_catalog.py 50000 /tmp/big-catalog

Names and descriptions are plausible French and English built from word lists;
images reuse the sample catalog's files, so the result can be seeded like it.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

LOCATIONS = ("store:paris-marais", "store:lyon-presquile", "store:bordeaux-intendance", "online")

# (category, fr noun, en noun, grammatical gender of the fr noun, sizes)
KINDS = [
    ("bags", "Sac seau", "Bucket bag", "m", ["TU"]),
    ("bags", "Cabas", "Tote", "m", ["TU"]),
    ("bags", "Pochette", "Clutch", "f", ["TU"]),
    ("bags", "Sac besace", "Crossbody bag", "m", ["TU"]),
    ("bags", "Sac à dos", "Backpack", "m", ["TU"]),
    ("shoes", "Escarpins", "Pumps", "m", ["36", "37", "38", "39", "40", "41"]),
    ("shoes", "Bottines", "Ankle boots", "f", ["36", "37", "38", "39", "40", "41"]),
    ("shoes", "Mocassins", "Loafers", "m", ["36", "37", "38", "39", "40", "41"]),
    ("shoes", "Baskets", "Sneakers", "f", ["36", "37", "38", "39", "40", "41"]),
    ("shoes", "Ballerines", "Ballet flats", "f", ["36", "37", "38", "39", "40", "41"]),
    ("ready-to-wear", "Manteau", "Coat", "m", ["XS", "S", "M", "L", "XL"]),
    ("ready-to-wear", "Robe", "Dress", "f", ["34", "36", "38", "40", "42", "44"]),
    ("ready-to-wear", "Chemise", "Shirt", "f", ["XS", "S", "M", "L", "XL"]),
    ("ready-to-wear", "Pantalon", "Trousers", "m", ["34", "36", "38", "40", "42", "44"]),
    ("ready-to-wear", "Jupe", "Skirt", "f", ["34", "36", "38", "40", "42"]),
    ("ready-to-wear", "Pull", "Sweater", "m", ["XS", "S", "M", "L", "XL"]),
    ("ready-to-wear", "Veste", "Jacket", "f", ["XS", "S", "M", "L", "XL"]),
    ("accessories", "Foulard", "Scarf", "m", ["TU"]),
    ("accessories", "Ceinture", "Belt", "f", ["TU"]),
    ("accessories", "Lunettes de soleil", "Sunglasses", "f", ["TU"]),
    ("accessories", "Chapeau", "Hat", "m", ["TU"]),
    ("accessories", "Porte-cartes", "Card holder", "m", ["TU"]),
]
# (fr masculine, fr feminine, en)
MATERIALS = [
    ("en cuir verni", "en cuir verni", "patent leather"),
    ("en daim", "en daim", "suede"),
    ("en cuir grainé", "en cuir grainé", "grained leather"),
    ("en laine", "en laine", "wool"),
    ("en soie", "en soie", "silk"),
    ("en lin", "en lin", "linen"),
    ("en cachemire", "en cachemire", "cashmere"),
    ("en coton", "en coton", "cotton"),
    ("en tweed", "en tweed", "tweed"),
    ("en velours", "en velours", "velvet"),
]
STYLES = [
    ("croisé", "croisée", "double-breasted"),
    ("matelassé", "matelassée", "quilted"),
    ("brodé", "brodée", "embroidered"),
    ("plissé", "plissée", "pleated"),
    ("ajusté", "ajustée", "tailored"),
    ("oversize", "oversize", "oversized"),
    ("léger", "légère", "light"),
    ("doux", "douce", "soft"),
    ("élégant", "élégante", "elegant"),
    ("été", "été", "summer"),
]
COLORS = ["black", "ivory", "camel", "cognac", "burgundy", "navy", "olive", "blush", "grey", "red"]
SAMPLE_IMAGES = 60  # the sample catalog's products mv-1001 .. mv-1060, two images each


def make_products(n: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """n contract PRODUCT dicts and their stock rows, deterministic for a seed."""
    rng = random.Random(seed)
    products, stock = [], []
    for i in range(n):
        category, fr_noun, en_noun, gender, sizes = KINDS[i % len(KINDS)]
        mat_m, mat_f, mat_en = rng.choice(MATERIALS)
        sty_m, sty_f, sty_en = rng.choice(STYLES)
        fr_style = sty_f if gender == "f" else sty_m
        pid = f"bx-{100000 + i}"
        colors = rng.sample(COLORS, rng.randint(1, 2))
        start = rng.randrange(len(sizes))
        variants = []
        for color in colors:
            for size in sizes[start:start + 3]:
                sku = f"BX-{100000 + i}-{size}-{color[:3].upper()}"
                variants.append({"sku": sku, "ean": ean13(f"377{i:07d}{len(variants):02d}"),
                                 "size": size, "color": color})
                for location in LOCATIONS:
                    stock.append({"sku": sku, "location": location, "on_hand": rng.choice((0, 1, 2, 3, 5, 8))})
        image = f"images/mv-{1001 + i % SAMPLE_IMAGES}-1.jpg"
        products.append({
            "id": pid,
            "name": {"fr": f"{fr_noun} {fr_style} {mat_m}", "en": f"{sty_en.capitalize()} {mat_en} {en_noun.lower()}"},
            "description": {
                "fr": f"{fr_noun} {mat_f}, coupe {fr_style}, fabriqué en France. Une pièce intemporelle pour l'été comme l'hiver.",
                "en": f"{en_noun} in {mat_en}, {sty_en} cut, made in France. A timeless piece for every season.",
            },
            "category": category,
            "price": {"amount": f"{rng.randrange(45, 1900)}.00", "currency": "EUR"},
            "images": [image, image.replace("-1.jpg", "-2.jpg")],
            "variants": variants,
            "updated_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00+01:00",
        })
    return products, stock


def ean13(first12: str) -> str:
    """first12 digits plus their EAN-13 check digit."""
    digits = [int(c) for c in first12]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return first12 + str((10 - total % 10) % 10)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[1].isdigit():
        print("usage: make_catalog.py N OUT_DIR", file=sys.stderr)
        return 2
    started = time.perf_counter()
    products, stock = make_products(int(argv[1]))
    out = Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    (out / "products.json").write_text(json.dumps(products, ensure_ascii=False), encoding="utf-8")
    (out / "stock.json").write_text(json.dumps(stock), encoding="utf-8")
    print(f"{len(products)} products, {len(stock)} stock rows in {out} "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
