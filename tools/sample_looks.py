"""Collections and in-store locations of the sample catalog (used by make_sample_catalog.py).

Collections group pieces of different categories that are worn together ("Complete the
look"). Locations say where each kind of piece stands in each sample store ("Where is
it?"); for the demo store the plan point is on assets/store_plan.png (x, y from 0 to 1,
y from the top): ground floor on the left half, first floor on the right half.
"""

from __future__ import annotations

COLLECTIONS = {
    "rivoli": (1001, 1010, 1017, 1022, 1030, 1031, 1032, 1039, 1045, 1050, 1051, 1060),
    "soiree": (1003, 1008, 1016, 1028, 1034, 1035, 1037, 1041, 1049, 1057),
    "riviera": (1006, 1012, 1015, 1024, 1036, 1038, 1048, 1053, 1054, 1056),
    "marais": (1002, 1004, 1005, 1011, 1013, 1020, 1021, 1023, 1029, 1040, 1043, 1047, 1052, 1058),
    "saint-germain": (1007, 1009, 1014, 1018, 1019, 1025, 1026, 1027, 1033, 1042, 1044, 1046,
                      1055, 1059),
}

# kind -> zone; a zone is (fr, en, plan point in the demo store)
ZONES = {
    "bags": ("Rez-de-chaussée, mur des sacs", "Ground floor, bag wall", (0.09, 0.42)),
    "small": ("Rez-de-chaussée, table de la petite maroquinerie", "Ground floor, small leather goods table",
              (0.25, 0.52)),
    "eyewear": ("Rez-de-chaussée, vitrine des lunettes", "Ground floor, eyewear case", (0.38, 0.76)),
    "hats": ("Rez-de-chaussée, console des chapeaux et foulards", "Ground floor, hats and scarves console",
             (0.40, 0.30)),
    "shoes": ("Premier étage, salon des chaussures", "First floor, shoe salon", (0.64, 0.30)),
    "coats": ("Premier étage, portant des manteaux", "First floor, coat rail", (0.91, 0.26)),
    "dresses": ("Premier étage, portant des robes", "First floor, dress rail", (0.91, 0.62)),
    "tailoring": ("Premier étage, tables du prêt-à-porter", "First floor, ready-to-wear tables", (0.74, 0.58)),
}
KIND_ZONE = {
    "tote": "bags", "bucket": "bags", "clutch": "bags", "crossbody": "bags", "backpack": "bags",
    "pump": "shoes", "flat": "shoes", "ankleboot": "shoes", "kneeboot": "shoes", "sneaker": "shoes",
    "loafer": "shoes", "coat": "coats", "blazer": "coats", "dress": "dresses", "skirt": "dresses",
    "blouse": "tailoring", "trousers": "tailoring", "sweater": "tailoring",
    "belt": "small", "cardholder": "small", "gloves": "small", "square": "hats", "scarf": "hats",
    "fedora": "hats", "sunhat": "hats", "beret": "hats", "sunglasses": "eyewear",
}
# The other sample stores are on one floor and have no plan.
ONE_FLOOR = {"Rez-de-chaussée, ": "", "Premier étage, ": "", "Ground floor, ": "", "First floor, ": ""}


def collection_of(number: int) -> str | None:
    """The collection of product mv-<number>, or None."""
    return next((name for name, numbers in COLLECTIONS.items() if number in numbers), None)


def locations_of(kind: str) -> list[dict]:
    """The feed's `locations` for a piece of this kind in the three sample stores."""
    fr, en, (x, y) = ZONES[KIND_ZONE[kind]]
    out = [{"store_id": "paris-marais", "label": {"fr": fr, "en": en}, "plan": {"x": x, "y": y}}]
    for store in ("lyon-presquile", "bordeaux-intendance"):
        out.append({"store_id": store, "label": {"fr": _one_floor(fr), "en": _one_floor(en)}})
    return out


def _one_floor(text: str) -> str:
    for prefix, rest in ONE_FLOOR.items():
        if text.startswith(prefix):
            text = rest + text[len(prefix):]
    return text[:1].upper() + text[1:]
