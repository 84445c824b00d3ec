"""Generate the committed sample catalog of "Maison Vitrine": products, stock, images, lookbook.

    python tools/make_sample_catalog.py            # rewrites assets/catalog/ and assets/lookbook/
    python tools/make_sample_catalog.py --no-images

Deterministic: the same code writes the same JSON (images differ only if Pillow's
encoder does). Every picture is drawn here with Pillow: no photographs, no licences.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from sample_looks import collection_of, locations_of  # tools/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
SEED = 1871
LOCATIONS = ("store:paris-marais", "store:lyon-presquile", "store:bordeaux-intendance", "online")
EAN_PREFIX = "37612345"  # a made-up company prefix in the French 376 range

CATEGORIES = [
    {"id": "bags", "label": {"fr": "Sacs", "en": "Bags"}},
    {"id": "shoes", "label": {"fr": "Chaussures", "en": "Shoes"}},
    {"id": "ready-to-wear", "label": {"fr": "Prêt-à-porter", "en": "Ready-to-wear"}},
    {"id": "accessories", "label": {"fr": "Accessoires", "en": "Accessories"}},
]
# id, code for SKUs, fr, en, hex
PALETTE = [
    ("black", "BLK", "Noir", "Black", "#232224"),
    ("ivory", "IVO", "Ivoire", "Ivory", "#ebe3d5"),
    ("camel", "CML", "Camel", "Camel", "#b7895a"),
    ("cognac", "COG", "Cognac", "Cognac", "#8b4a28"),
    ("burgundy", "BUR", "Bordeaux", "Burgundy", "#6b2230"),
    ("navy", "NAV", "Bleu marine", "Navy", "#232e48"),
    ("sky", "SKY", "Bleu ciel", "Sky blue", "#a9bfd3"),
    ("olive", "OLV", "Olive", "Olive", "#6d6a46"),
    ("blush", "BLS", "Rose poudré", "Blush pink", "#dcb6aa"),
    ("grey", "GRY", "Gris chiné", "Heather grey", "#9a9792"),
    ("red", "RED", "Rouge", "Red", "#a1282e"),
]
SIZES = {
    "TU": ["TU"],
    "shoes": ["36", "37", "38", "39", "40", "41"],
    "letters": ["XS", "S", "M", "L", "XL"],
    "numbers": ["34", "36", "38", "40", "42", "44"],
}


@dataclass(frozen=True)
class Item:
    """One sample product as written by hand: drawing kind, texts, price, colours."""

    kind: str
    category: str
    sizes: str
    name_fr: str
    name_en: str
    text_fr: str
    text_en: str
    price: int
    colors: tuple[str, ...]


def _i(kind, category, sizes, name_fr, name_en, text_fr, text_en, price, *colors):
    return Item(kind, category, sizes, name_fr, name_en, text_fr, text_en, price, colors)


ITEMS = [
    # bags
    _i("tote", "bags", "TU", "Cabas Rivoli en cuir grainé", "Rivoli grained leather tote",
       "Un grand cabas souple en cuir grainé, doublé de toile de coton, avec une poche intérieure zippée. Il accueille un ordinateur de 14 pouces.",
       "A roomy, supple tote in grained leather, lined with cotton canvas, with a zipped inner pocket. Fits a 14-inch laptop.",
       690, "black", "camel", "burgundy"),
    _i("bucket", "bags", "TU", "Sac seau Marais en daim", "Marais suede bucket bag",
       "Sac seau en daim velouté, fermé par un lien coulissant en cuir. Bandoulière réglable et amovible.",
       "A velvety suede bucket bag closed with a leather drawstring. Adjustable, removable shoulder strap.",
       590, "camel", "olive", "black"),
    _i("clutch", "bags", "TU", "Pochette Opéra en cuir verni", "Opéra patent leather clutch",
       "Pochette enveloppe en cuir verni, fermoir aimanté et chaînette dorée dissimulée pour la porter à l'épaule.",
       "An envelope clutch in patent leather with a magnetic clasp and a hidden gold-tone chain for the shoulder.",
       390, "black", "red", "blush"),
    _i("crossbody", "bags", "TU", "Sac besace Saint-Paul", "Saint-Paul crossbody bag",
       "Petit sac à rabat en cuir lisse, fermoir doré gravé aux initiales de la maison. Se porte à l'épaule ou en bandoulière.",
       "A small flap bag in smooth leather with an engraved gold-tone clasp. Wear it on the shoulder or across the body.",
       520, "cognac", "black", "ivory"),
    _i("backpack", "bags", "TU", "Sac à dos Tuileries en nylon recyclé", "Tuileries recycled nylon backpack",
       "Sac à dos léger en nylon recyclé déperlant, finitions en cuir et compartiment rembourré pour ordinateur.",
       "A light backpack in water-repellent recycled nylon with leather trims and a padded laptop sleeve.",
       420, "navy", "black", "olive"),
    _i("tote", "bags", "TU", "Cabas Seine en toile et cuir", "Seine canvas and leather tote",
       "Cabas en toile de coton épaisse, anses et fond en cuir. Le compagnon idéal du marché du dimanche.",
       "A heavy cotton canvas tote with leather handles and base. Your Sunday-market companion.",
       290, "ivory", "navy"),
    _i("bucket", "bags", "TU", "Mini sac seau Vosges", "Vosges mini bucket bag",
       "La version miniature de notre sac seau, en cuir grainé, avec une poignée courte et une bandoulière fine.",
       "Our bucket bag in miniature, in grained leather, with a short top handle and a slim strap.",
       450, "burgundy", "black", "blush"),
    _i("clutch", "bags", "TU", "Pochette Soirée en satin de soie", "Soirée silk satin clutch",
       "Pochette du soir en satin de soie, fermoir bijou. Juste la place pour un téléphone et un rouge à lèvres.",
       "An evening clutch in silk satin with a jewel clasp. Just room for a phone and a lipstick.",
       340, "black", "burgundy", "ivory"),
    _i("crossbody", "bags", "TU", "Sac à rabat Montorgueil matelassé", "Montorgueil quilted flap bag",
       "Sac à rabat en cuir d'agneau matelassé, sur une chaîne entrelacée de cuir. Un classique pensé pour durer.",
       "A quilted lambskin flap bag on a leather-threaded chain. A classic made to last.",
       890, "black", "ivory", "navy"),
    _i("tote", "bags", "TU", "Cabas Palais-Royal structuré", "Palais-Royal structured tote",
       "Cabas structuré en cuir box, coins renforcés et pochette amovible assortie.",
       "A structured tote in smooth box leather with reinforced corners and a matching removable pouch.",
       750, "camel", "black", "grey"),
    _i("backpack", "bags", "TU", "Sac à dos Montmartre en cuir", "Montmartre leather backpack",
       "Sac à dos compact en cuir pleine fleur, rabat à pression et bretelles réglables.",
       "A compact backpack in full-grain leather with a snap flap and adjustable straps.",
       640, "cognac", "black"),
    _i("bucket", "bags", "TU", "Sac seau Canal en cuir tressé", "Canal woven leather bucket bag",
       "Sac seau en lanières de cuir tressées à la main, avec une pochette intérieure en coton.",
       "A bucket bag of hand-woven leather strips with an inner cotton pouch.",
       560, "camel", "ivory"),
    _i("crossbody", "bags", "TU", "Sac banane Oberkampf", "Oberkampf belt bag",
       "Sac banane en cuir souple, à porter à la taille ou en travers du buste.",
       "A soft leather belt bag to wear at the waist or across the chest.",
       260, "black", "olive", "burgundy"),
    _i("clutch", "bags", "TU", "Pochette Rive Gauche en cuir lisse", "Rive Gauche smooth leather pouch",
       "Grande pochette plate zippée en cuir lisse, avec une dragonne amovible.",
       "A large flat zipped pouch in smooth leather with a removable wrist strap.",
       230, "cognac", "navy", "blush"),
    _i("tote", "bags", "TU", "Panier Marché en raphia", "Marché raffia basket",
       "Panier cabas en raphia tissé main, anses en cuir. L'été à la française.",
       "A hand-woven raffia basket tote with leather handles. Summer, the French way.",
       210, "camel", "ivory"),
    # shoes
    _i("pump", "shoes", "shoes", "Escarpins Vendôme en cuir verni", "Vendôme patent leather pumps",
       "Escarpins pointus en cuir verni, talon aiguille de 9 cm et semelle en cuir.",
       "Pointed pumps in patent leather on a 9 cm stiletto heel, with leather soles.",
       450, "black", "red", "blush"),
    _i("pump", "shoes", "shoes", "Escarpins Madeleine en daim", "Madeleine suede pumps",
       "Escarpins en daim au talon de 6 cm, confortables du matin au soir.",
       "Suede pumps on a 6 cm heel, comfortable from morning to night.",
       420, "navy", "burgundy", "black"),
    _i("ankleboot", "shoes", "shoes", "Bottines Saint-Germain en cuir", "Saint-Germain leather ankle boots",
       "Bottines en cuir lisse, talon bloc de 5 cm et zip intérieur. Semelle en gomme antidérapante.",
       "Smooth leather ankle boots on a 5 cm block heel, with an inside zip and a non-slip rubber sole.",
       520, "black", "cognac"),
    _i("ankleboot", "shoes", "shoes", "Bottines chelsea en daim", "Suede Chelsea boots",
       "Bottines chelsea en daim, élastiques latéraux et tirette à l'arrière.",
       "Suede Chelsea boots with elastic side panels and a back pull tab.",
       480, "camel", "black", "grey"),
    _i("sneaker", "shoes", "shoes", "Baskets Bastille en cuir lisse", "Bastille smooth leather sneakers",
       "Baskets minimalistes en cuir lisse, sur une semelle cousue en caoutchouc naturel.",
       "Minimal sneakers in smooth leather on a stitched natural rubber sole.",
       290, "ivory", "black", "navy"),
    _i("sneaker", "shoes", "shoes", "Baskets Nation en daim et toile", "Nation suede and canvas sneakers",
       "Baskets basses en daim et toile, doublure en cuir respirant.",
       "Low-top sneakers in suede and canvas with a breathable leather lining.",
       260, "grey", "navy", "olive"),
    _i("loafer", "shoes", "shoes", "Mocassins Odéon en cuir", "Odéon leather loafers",
       "Mocassins à bride en cuir lisse, semelle en cuir et talon de 2 cm. Cousus main.",
       "Penny loafers in smooth leather with a leather sole and a 2 cm heel. Hand-stitched.",
       390, "black", "cognac", "burgundy"),
    _i("loafer", "shoes", "shoes", "Mocassins Sorbonne en daim", "Sorbonne suede loafers",
       "Mocassins souples en daim non doublé, qui se font au pied dès le premier jour.",
       "Soft unlined suede loafers that mould to your foot from day one.",
       360, "camel", "navy", "olive"),
    _i("flat", "shoes", "shoes", "Ballerines Garnier en cuir d'agneau", "Garnier lambskin ballet flats",
       "Ballerines en cuir d'agneau, nœud en gros-grain et semelle souple.",
       "Lambskin ballet flats with a grosgrain bow and a flexible sole.",
       280, "blush", "black", "red"),
    _i("flat", "shoes", "shoes", "Babies en cuir verni", "Patent leather Mary Janes",
       "Babies à bride en cuir verni, boucle dorée et bout arrondi.",
       "Strapped Mary Jane flats in patent leather with a gold-tone buckle and a round toe.",
       310, "black", "burgundy"),
    _i("kneeboot", "shoes", "shoes", "Bottes cavalières Chantilly", "Chantilly riding boots",
       "Bottes hautes en cuir pleine fleur, tige ajustée et talon de 3 cm.",
       "Knee-high riding boots in full-grain leather with a fitted shaft and a 3 cm heel.",
       690, "cognac", "black"),
    _i("kneeboot", "shoes", "shoes", "Bottes Auteuil en daim extensible", "Auteuil stretch suede boots",
       "Bottes hautes en daim extensible qui épousent la jambe, talon bloc de 7 cm.",
       "Knee-high boots in stretch suede that hug the leg, on a 7 cm block heel.",
       620, "black", "grey", "burgundy"),
    _i("pump", "shoes", "shoes", "Escarpins Concorde à bride arrière", "Concorde slingback pumps",
       "Escarpins à bride arrière en cuir lisse, talon bobine de 5 cm.",
       "Slingback pumps in smooth leather on a 5 cm spool heel.",
       410, "ivory", "black", "blush"),
    _i("sneaker", "shoes", "shoes", "Baskets Villette en nylon et daim", "Villette nylon and suede sneakers",
       "Baskets d'inspiration rétro en nylon et daim, semelle légère en gomme.",
       "Retro-inspired sneakers in nylon and suede on a light rubber sole.",
       230, "navy", "grey", "red"),
    _i("loafer", "shoes", "shoes", "Derbies Panthéon en cuir glacé", "Panthéon glazed leather derbies",
       "Derbies en cuir glacé, sur une semelle crantée légère.",
       "Derby shoes in glazed leather on a light lug sole.",
       420, "black", "burgundy"),
    # ready-to-wear
    _i("coat", "ready-to-wear", "letters", "Manteau croisé en laine", "Double-breasted wool coat",
       "Manteau croisé en drap de laine, épaules structurées, longueur mi-mollet. Entièrement doublé.",
       "A double-breasted coat in wool broadcloth with structured shoulders, mid-calf length. Fully lined.",
       890, "camel", "navy", "black"),
    _i("coat", "ready-to-wear", "letters", "Trench Rivoli en gabardine de coton", "Rivoli cotton gabardine trench coat",
       "Le trench parisien : gabardine de coton déperlante, ceinture à nouer et pattes boutonnées.",
       "The Parisian trench: water-repellent cotton gabardine, a tie belt and buttoned tabs.",
       650, "camel", "navy", "black"),
    _i("coat", "ready-to-wear", "letters", "Caban en laine bouillie", "Boiled wool pea coat",
       "Caban en laine bouillie, boutons gravés et col montant.",
       "A pea coat in boiled wool with engraved buttons and a high collar.",
       560, "navy", "black"),
    _i("dress", "ready-to-wear", "numbers", "Robe portefeuille en crêpe de soie", "Silk crêpe wrap dress",
       "Robe portefeuille en crêpe de soie, manches trois-quarts, longueur midi.",
       "A wrap dress in silk crêpe with three-quarter sleeves, midi length.",
       490, "burgundy", "navy", "black"),
    _i("dress", "ready-to-wear", "numbers", "Robe fourreau Vendôme", "Vendôme sheath dress",
       "Robe fourreau en crêpe de laine, encolure bateau et fente discrète au dos.",
       "A sheath dress in wool crêpe with a boat neckline and a discreet back slit.",
       420, "black", "navy", "red"),
    _i("dress", "ready-to-wear", "numbers", "Robe d'été en lin lavé", "Washed linen summer dress",
       "Robe ample en lin lavé, bretelles fines et poches côté. L'été en toute légèreté.",
       "A loose washed-linen dress with thin straps and side pockets. Summer, lightly worn.",
       260, "ivory", "olive", "blush"),
    _i("blouse", "ready-to-wear", "letters", "Blouse lavallière en soie", "Silk pussy-bow blouse",
       "Blouse en soie fluide, col lavallière à nouer et poignets boutonnés.",
       "A fluid silk blouse with a pussy-bow collar to tie and buttoned cuffs.",
       290, "ivory", "blush", "black"),
    _i("blouse", "ready-to-wear", "letters", "Chemise oversize en popeline", "Oversized cotton poplin shirt",
       "Chemise ample en popeline de coton, col classique et pans arrondis.",
       "A loose cotton poplin shirt with a classic collar and a curved hem.",
       180, "ivory", "sky", "navy"),
    _i("trousers", "ready-to-wear", "numbers", "Pantalon à pinces en flanelle", "Pleated wool flannel trousers",
       "Pantalon taille haute à pinces et jambe large, en flanelle de laine.",
       "High-waisted pleated trousers with wide legs, in wool flannel.",
       320, "grey", "black", "camel"),
    _i("trousers", "ready-to-wear", "numbers", "Pantalon cigarette en coton stretch", "Stretch cotton cigarette trousers",
       "Pantalon cigarette longueur cheville, en coton stretch confortable.",
       "Ankle-length cigarette trousers in comfortable stretch cotton.",
       210, "black", "navy", "olive"),
    _i("skirt", "ready-to-wear", "numbers", "Jupe plissée midi en satin", "Pleated satin midi skirt",
       "Jupe midi plissée soleil en satin, avec une taille élastiquée dissimulée.",
       "A sunray-pleated midi skirt in satin with a hidden elastic waist.",
       260, "olive", "burgundy", "black"),
    _i("skirt", "ready-to-wear", "numbers", "Jupe trapèze en daim", "Suede A-line skirt",
       "Jupe courte trapèze en daim d'agneau, boutonnée sur le devant.",
       "A short A-line skirt in lamb suede, buttoned down the front.",
       380, "camel", "cognac"),
    _i("sweater", "ready-to-wear", "letters", "Pull col rond en cachemire", "Cashmere crew-neck sweater",
       "Pull en cachemire deux fils, finitions côtelées. D'une douceur incomparable.",
       "A two-ply cashmere sweater with ribbed finishes. Incomparably soft.",
       340, "grey", "camel", "navy", "blush"),
    _i("sweater", "ready-to-wear", "letters", "Cardigan en mohair et soie", "Mohair and silk cardigan",
       "Cardigan vaporeux en mohair et soie, boutons en nacre.",
       "An airy mohair and silk cardigan with mother-of-pearl buttons.",
       290, "ivory", "blush", "olive"),
    _i("blazer", "ready-to-wear", "letters", "Veste de tailleur en laine", "Tailored wool jacket",
       "Veste cintrée en laine vierge, revers crantés et poche poitrine.",
       "A fitted jacket in virgin wool with notched lapels and a breast pocket.",
       560, "black", "navy", "grey"),
    _i("blazer", "ready-to-wear", "letters", "Veste courte en tweed Deauville", "Deauville cropped tweed jacket",
       "Veste courte en tweed, bordures effrangées et boutons dorés.",
       "A cropped tweed jacket with fringed edges and gold-tone buttons.",
       690, "ivory", "navy", "blush"),
    _i("trousers", "ready-to-wear", "numbers", "Jean droit en denim brut", "Straight raw denim jeans",
       "Jean droit taille haute en denim brut, qui se patine avec le temps.",
       "Straight high-rise jeans in raw denim that age beautifully.",
       190, "navy", "black"),
    _i("blouse", "ready-to-wear", "letters", "Chemise en lin lavé", "Washed linen shirt",
       "Chemise ample et légère en lin lavé, manches à retrousser.",
       "A loose, light washed-linen shirt with sleeves made for rolling up.",
       170, "ivory", "sky", "olive"),
    # accessories
    _i("square", "accessories", "TU", "Carré de soie Jardin", "Jardin silk square",
       "Carré de 90 × 90 cm en twill de soie, bords roulottés à la main.",
       "A 90 × 90 cm silk twill square with hand-rolled edges.",
       190, "burgundy", "navy", "blush"),
    _i("scarf", "accessories", "TU", "Écharpe en cachemire tissé", "Woven cashmere scarf",
       "Grande écharpe en cachemire tissé, à franges courtes. Douce et chaude tout l'hiver.",
       "A large woven cashmere scarf with short fringes. Soft and warm all winter.",
       260, "camel", "grey", "burgundy"),
    _i("belt", "accessories", "TU", "Ceinture Marais en cuir de veau", "Marais calfskin belt",
       "Ceinture de 3 cm en cuir de veau, boucle dorée brossée.",
       "A 3 cm calfskin belt with a brushed gold-tone buckle.",
       160, "black", "cognac", "burgundy"),
    _i("belt", "accessories", "TU", "Ceinture fine réversible", "Slim reversible belt",
       "Ceinture fine réversible en cuir lisse : deux teintes pour le prix d'une.",
       "A slim reversible belt in smooth leather: two colours for the price of one.",
       140, "black", "camel"),
    _i("sunglasses", "accessories", "TU", "Lunettes de soleil Riviera", "Riviera sunglasses",
       "Monture papillon en acétate, verres teintés de catégorie 3.",
       "Cat-eye acetate frames with category 3 tinted lenses.",
       230, "black", "cognac", "red"),
    _i("sunglasses", "accessories", "TU", "Lunettes de soleil rondes Odéon", "Odéon round sunglasses",
       "Monture ronde et fine en acétate, verres dégradés.",
       "Thin round acetate frames with gradient lenses.",
       210, "black", "olive"),
    _i("fedora", "accessories", "TU", "Chapeau fedora en feutre", "Felt fedora",
       "Fedora en feutre de laine, ruban en gros-grain et bord de 6 cm.",
       "A wool felt fedora with a grosgrain band and a 6 cm brim.",
       180, "camel", "black", "grey"),
    _i("sunhat", "accessories", "TU", "Capeline en paille tressée", "Woven straw sun hat",
       "Capeline à larges bords en paille naturelle tressée.",
       "A wide-brimmed sun hat in natural woven straw.",
       150, "camel", "ivory"),
    _i("cardholder", "accessories", "TU", "Porte-cartes Marais", "Marais card holder",
       "Porte-cartes en cuir grainé, quatre fentes et une poche centrale.",
       "A grained leather card holder with four slots and a centre pocket.",
       120, "black", "cognac", "burgundy", "blush"),
    _i("cardholder", "accessories", "TU", "Portefeuille compact en cuir lisse", "Compact smooth leather wallet",
       "Portefeuille compact à pression, avec un porte-monnaie zippé.",
       "A compact snap wallet with a zipped coin pocket.",
       220, "black", "navy", "red"),
    _i("beret", "accessories", "TU", "Béret en laine bouillie", "Boiled wool beret",
       "Le béret, en laine bouillie, à porter penché sur le côté.",
       "The beret, in boiled wool, worn tilted to one side.",
       90, "black", "burgundy", "navy"),
    _i("gloves", "accessories", "TU", "Gants en cuir doublés de cachemire", "Cashmere-lined leather gloves",
       "Gants en cuir d'agneau doublés de cachemire, poignet fendu.",
       "Lambskin gloves lined with cashmere, with a split cuff.",
       150, "black", "cognac", "burgundy"),
]


# --- catalog data ---------------------------------------------------------------


def ean13(first12: str) -> str:
    """first12 digits followed by their EAN-13 check digit."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def build_catalog(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """The sample products (contract PRODUCT objects) and their stock rows."""
    codes = {c[0]: c[1] for c in PALETTE}
    products, stock, serial = [], [], 0
    for n, item in enumerate(ITEMS):
        number = 1001 + n
        variants = []
        for color in item.colors:
            for size in SIZES[item.sizes]:
                serial += 1
                variants.append({"sku": f"MV-{number}-{size}-{codes[color]}",
                                 "ean": ean13(f"{EAN_PREFIX}{serial:04d}"),
                                 "size": size, "color": color})
        month, day = rng.randint(1, 10), rng.randint(1, 28)
        offset = "+02:00" if 4 <= month <= 10 else "+01:00"
        products.append({
            "id": f"mv-{number}",
            "name": {"fr": item.name_fr, "en": item.name_en},
            "description": {"fr": item.text_fr, "en": item.text_en},
            "category": item.category,
            "price": {"amount": f"{item.price}.00", "currency": "EUR"},
            "images": [f"images/mv-{number}-1.jpg", f"images/mv-{number}-2.jpg"],
            "variants": variants,
            "collection": collection_of(number),
            "locations": locations_of(item.kind),
            "updated_at": f"2026-{month:02d}-{day:02d}T{rng.randint(8, 19):02d}:{rng.randint(0, 59):02d}:00{offset}",
        })
        for v in variants:
            for location in LOCATIONS:
                stock.append({"sku": v["sku"], "location": location, "on_hand": _on_hand(rng, location)})
    return products, stock


def _on_hand(rng: random.Random, location: str) -> int:
    roll = rng.random()
    if roll < 0.12:
        return 0
    if roll < 0.24:
        return 1  # "last one"
    return rng.randint(2, 25 if location == "online" else 12)


# --- drawing ----------------------------------------------------------------------

GOLD = (196, 164, 108)
SOLE = (236, 231, 222)
BACKDROP_TOP = (238, 234, 229)
BACKDROP_BOTTOM = (217, 210, 202)


def hex_rgb(value: str) -> tuple[int, int, int]:
    return tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))


def bez(p0, p1, p2, p3, n=20):
    """Points of a cubic Bézier from p0 to p3 (p0 excluded, so paths chain)."""
    out = []
    for i in range(1, n + 1):
        t = i / n
        a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
        out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def ellipse_pts(cx, cy, rx, ry, start=0.0, end=360.0, n=72):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(start, end, n)]


def rounded_rect(x0, y0, x1, y1, r):
    pts = []
    for cx, cy, a0 in ((x1 - r, y0 + r, 270), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
        pts += ellipse_pts(cx, cy, r, r, a0, a0 + 90, 10)
    return pts


def mirror(pts, axis=500):
    return [(2 * axis - x, y) for x, y in reversed(pts)]


def rotate(pts, angle, cx, cy):
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    return [(cx + (x - cx) * ca - (y - cy) * sa, cy + (x - cx) * sa + (y - cy) * ca) for x, y in pts]


def shift(pts, dx, dy):
    return [(x + dx, y + dy) for x, y in pts]


class Sketch:
    """Shapes of one item in unit coordinates (about 0..1000), recorded before rasterising."""

    def __init__(self, color: tuple[int, int, int]):
        self.color = color
        self.ops: list[tuple] = []

    def fill(self, pts, tone=1.0, color=None):
        self.ops.append(("fill", list(pts), color or self.color, tone, 0.0))

    def band(self, pts, width, tone=1.0, color=None):
        """A thick shaded stroke (handles, straps)."""
        self.ops.append(("band", list(pts), color or self.color, tone, width))

    def line(self, pts, width=4, tone=0.72, color=None):
        """A thin unshaded detail line (seams, stitching)."""
        self.ops.append(("line", list(pts), color or self.color, tone, width))

    def dots(self, centres, r, tone=1.0, color=None):
        for cx, cy in centres:
            self.fill(ellipse_pts(cx, cy, r, r, n=24), tone, color)

    def bounds(self):
        xs = [x for op in self.ops for x, _ in op[1]]
        ys = [y for op in self.ops for _, y in op[1]]
        pad = max(op[4] for op in self.ops) / 2
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _shade(color, tone):
    c = np.array(color, dtype=np.float32)
    if tone >= 1:  # lighten towards a warm white
        return c + (np.array([250, 246, 240], dtype=np.float32) - c) * min(tone - 1, 1)
    return c * tone


def render(sketch: Sketch, canvas: np.ndarray, box, grounded: bool, light=1.0):
    """Rasterise sketch into canvas (float32 HxWx3), fitted into box=(x0, y0, x1, y1)."""
    h, w = canvas.shape[:2]
    ux0, uy0, ux1, uy1 = sketch.bounds()
    bx0, by0, bx1, by1 = box
    scale = min((bx1 - bx0) / (ux1 - ux0), (by1 - by0) / (uy1 - uy0))
    ox = (bx0 + bx1) / 2 - (ux0 + ux1) / 2 * scale
    oy = by1 - uy1 * scale if grounded else (by0 + by1) / 2 - (uy0 + uy1) / 2 * scale

    def tf(pts):
        return [(ox + x * scale, oy + y * scale) for x, y in pts]

    masks = []
    for kind, pts, color, tone, width in sketch.ops:
        mask = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(mask)
        if kind == "fill":
            draw.polygon(tf(pts), fill=255)
        else:
            _stroke(draw, tf(pts), max(2.0, width * scale))
        masks.append(mask)
    union = np.zeros((h, w), dtype=np.float32)
    for (kind, *_), m in zip(sketch.ops, masks):
        if kind != "line":
            union = np.maximum(union, np.asarray(m, dtype=np.float32) / 255)
    _shadow(canvas, union, grounded)
    size = max(ux1 - ux0, uy1 - uy0) * scale
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    for (kind, pts, color, tone, width), mask in zip(sketch.ops, masks):
        a = np.asarray(mask, dtype=np.float32) / 255
        if not a.any():
            continue
        base = _shade(color, tone)
        if kind == "line":
            layer = np.broadcast_to(base, canvas.shape)
            alpha = a[..., None] * 0.85
        else:
            # rounded volume: darker towards the shape's edges, lit from the upper left
            radius = max(3, (width * scale if kind == "band" else size * 0.035))
            inner = np.asarray(mask.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255
            rows, cols = np.nonzero(a > 0.5)
            if len(rows) == 0:
                continue
            cx0, cx1, cy0, cy1 = cols.min(), cols.max() + 1, rows.min(), rows.max() + 1
            gx = (xs - cx0) / max(1, cx1 - cx0)
            gy = (ys - cy0) / max(1, cy1 - cy0)
            light_map = (1.07 - 0.14 * gx) * (1.04 - 0.08 * gy) * (0.86 + 0.14 * inner) * light
            layer = np.clip(base[None, None, :] * light_map[..., None], 0, 255)
            alpha = a[..., None]
        canvas[:] = canvas * (1 - alpha) + layer * alpha


def _stroke(draw, pts, width):
    """A smooth thick polyline: one quad per segment and a disc per joint (PIL's wide lines are jagged)."""
    r = width / 2
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        length = math.hypot(x1 - x0, y1 - y0) or 1
        nx, ny = -(y1 - y0) / length * r, (x1 - x0) / length * r
        draw.polygon([(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)], fill=255)
    for x, y in pts:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def _shadow(canvas, union, grounded):
    h, w = union.shape
    rows, cols = np.nonzero(union > 0.5)
    if len(rows) == 0:
        return
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    if grounded:
        bottom, left, right = rows.max(), cols.min(), cols.max()
        half = (right - left) / 2 * 1.02
        mid = (left + right) / 2
        draw.ellipse((mid - half, bottom - 22, mid + half, bottom + 22), fill=120)
        soft = img.filter(ImageFilter.GaussianBlur(28))
        # a tight, darker contact line where the object touches the floor
        near = np.zeros((h, w), dtype=np.float32)
        band = union[max(0, bottom - 10):bottom + 1]
        near[bottom + 2:bottom + 2 + band.shape[0]] = band[::-1]
        near_img = Image.fromarray((near * 150).astype(np.uint8)).filter(ImageFilter.GaussianBlur(6))
        dark = np.asarray(soft, dtype=np.float32) / 255 * 0.55 + np.asarray(near_img, dtype=np.float32) / 255 * 0.5
    else:
        shifted = np.zeros_like(union)
        dy, dx = 28, 18
        shifted[dy:, dx:] = union[:-dy, :-dx]
        img = Image.fromarray((shifted * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(36))
        dark = np.asarray(img, dtype=np.float32) / 255 * 0.28
    canvas *= (1 - np.clip(dark, 0, 0.7))[..., None]


def backdrop(w, h, top=BACKDROP_TOP, bottom=BACKDROP_BOTTOM, horizon=0.74):
    """A seamless studio sweep: gentle vertical gradient, a light pool, a soft floor."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    t = ys / h
    curve = np.clip((t - 0.15) / (horizon + 0.2 - 0.15), 0, 1) ** 1.6
    top_c, bot_c = np.array(top, np.float32), np.array(bottom, np.float32)
    img = top_c + (bot_c - top_c) * curve[..., None]
    pool = np.exp(-(((xs - w * 0.48) / (w * 0.55)) ** 2 + ((ys - h * 0.45) / (h * 0.5)) ** 2))
    img *= (0.965 + 0.05 * pool)[..., None]
    return img


def finish(canvas: np.ndarray, out_size) -> Image.Image:
    """Downsample the supersampled canvas, with a touch of grain against JPEG banding."""
    img = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8)).resize(out_size, Image.LANCZOS)
    arr = np.asarray(img, dtype=np.float32)
    noise = np.random.default_rng(5).normal(0, 0.9, arr.shape[:2])[..., None]
    return Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))


# --- shapes -------------------------------------------------------------------------
# Each takes a Sketch and draws the item in unit coordinates, y down; returns the
# point (unit coordinates) that the detail view zooms into.


def tote(s):
    s.band(ellipse_pts(530, 330, 140, 210, 180, 360, 40), 26, 0.72)
    body = [(260, 320), (740, 320)] + bez((740, 320), (770, 600), (800, 820), (770, 880)) \
        + bez((770, 880), (740, 905), (260, 905), (230, 880)) + bez((230, 880), (200, 820), (230, 600), (260, 320))
    s.fill(body)
    s.line([(262, 352), (738, 352)], 4, 0.8)
    s.band(ellipse_pts(470, 345, 140, 220, 180, 360, 40), 26, 1.02)
    for x in (330, 610):
        s.fill(rounded_rect(x, 330, x + 60, 400, 10), 0.92)
    return (500, 420)


def bucket(s):
    s.band(ellipse_pts(500, 380, 200, 430, 180, 360, 60), 16, 0.8)
    body = bez((300, 360), (280, 560), (250, 780), (290, 880)) + bez((290, 880), (380, 930), (620, 930), (710, 880)) \
        + bez((710, 880), (750, 780), (720, 560), (700, 360))
    s.fill([(300, 360)] + body)
    s.fill(ellipse_pts(500, 360, 200, 42), 0.55)
    s.fill(ellipse_pts(500, 352, 190, 30, 0, 180, 36), 0.9)
    for x in range(320, 700, 28):
        s.line([(x, 380), (x + 6, 470)], 3, 0.8)
    s.band([(520, 400), (560, 520), (585, 610)], 9, 0.95)
    s.band([(480, 400), (450, 540), (440, 640)], 9, 0.95)
    s.dots([(585, 625), (440, 655)], 16, 0.9)
    return (500, 420)


def clutch(s):
    s.fill(rounded_rect(140, 420, 860, 780, 26))
    flap = [(140, 440)] + bez((140, 440), (200, 520), (420, 660), (500, 680)) \
        + bez((500, 680), (580, 660), (800, 520), (860, 440)) + [(860, 430), (140, 430)]
    s.fill(flap, 1.06)
    s.line(flap[1:-2], 3, 0.78)
    s.dots([(500, 640)], 22, 1.0, GOLD)
    return (500, 620)


def crossbody(s):
    s.band(ellipse_pts(500, 470, 240, 420, 180, 360, 60), 14, 0.82)
    s.fill(rounded_rect(250, 440, 750, 860, 70))
    flap = rounded_rect(250, 440, 750, 700, 60)
    s.fill(flap, 1.05)
    s.line([(260, 470), (740, 470)], 3, 0.85)
    s.fill(rounded_rect(470, 670, 530, 730, 10), 1.0, GOLD)
    return (500, 660)


def backpack(s):
    for x in (300, 700):
        s.band([(x, 300), (x - (40 if x < 500 else -40), 560), (x - (20 if x < 500 else -20), 820)], 44, 0.62)
    s.band(ellipse_pts(500, 250, 60, 60, 180, 360, 30), 16, 0.85)
    s.fill(rounded_rect(280, 240, 720, 900, 110))
    corners = rounded_rect(280, 240, 720, 520, 110)
    s.fill(corners[30:] + corners[:10] + [(720, 520), (280, 520)], 1.05)
    s.fill(rounded_rect(350, 600, 650, 850, 40), 0.95)
    s.line([(360, 630), (640, 630)], 3, 0.8)
    s.fill(rounded_rect(470, 500, 530, 560, 8), 0.75)
    return (500, 540)


def _shoe_upper(s, top_y, heel, toe_y=880):
    """A side-view shoe, toe left; top_y is the collar height, heel the heel height."""
    seat = 900 - heel
    upper = [(60, toe_y)] + bez((60, toe_y), (80, 800), (220, 780), (330, 760)) \
        + bez((330, 760), (420, 740), (460, top_y + 120), (480, top_y)) \
        + [(800, top_y - 10)] + bez((800, top_y - 10), (830, top_y + 120), (845, seat - 60), (830, seat)) \
        + bez((830, seat), (650, seat + 10), (520, 880), (380, 905)) + bez((380, 905), (250, 915), (90, 915), (60, toe_y))
    return upper, seat


def pump(s):
    heel = 210
    seat = 900 - heel
    upper = [(50, 890)] + bez((50, 890), (90, 830), (260, 790), (430, 730)) \
        + bez((430, 730), (540, 780), (700, 720), (800, 600)) \
        + bez((800, 600), (835, 630), (835, 680), (820, seat)) \
        + bez((820, seat), (640, seat + 20), (520, 870), (380, 905)) + bez((380, 905), (250, 920), (90, 918), (50, 890))
    s.fill([(745, seat - 5), (822, seat - 5), (806, 1000), (792, 1000), (772, seat + 60)], 0.78)
    s.fill(upper)
    s.fill(bez((440, 736), (560, 790), (700, 730), (792, 612)) + bez((792, 612), (700, 700), (560, 760), (440, 736)), 0.5)
    s.line(bez((60, 900), (200, 918), (330, 912), (380, 905)) + bez((380, 905), (520, 870), (650, seat + 14), (818, seat + 2)), 4, 0.7)
    return (720, 740)


def flat(s):
    upper = [(50, 900)] + bez((50, 900), (80, 840), (250, 810), (420, 800)) \
        + bez((420, 800), (560, 835), (720, 830), (820, 790)) + bez((820, 790), (850, 820), (850, 880), (840, 915)) \
        + [(60, 918)]
    s.fill([(720, 905), (845, 905), (840, 940), (730, 940)], 0.7)
    s.fill(upper)
    s.fill(bez((430, 806), (560, 840), (720, 832), (815, 796)) + bez((815, 796), (700, 815), (560, 822), (430, 806)), 0.5)
    s.fill(ellipse_pts(400, 806, 34, 22), 1.08)
    s.fill(ellipse_pts(452, 812, 30, 18), 1.04)
    s.line([(60, 914), (840, 912)], 4, 0.7)
    return (420, 820)


def ankleboot(s):
    upper, seat = _shoe_upper(s, 440, 110)
    s.fill([(690, seat - 5), (835, seat - 5), (828, 1000), (705, 1000)], 0.7)
    s.fill(upper)
    s.fill(bez((540, 470), (560, 560), (620, 600), (700, 600)) + bez((700, 600), (760, 560), (770, 500), (760, 450)) + [(540, 450)], 0.82)
    s.band([(800, 430), (812, 500)], 22, 0.9)
    s.line(bez((70, 912), (300, 918), (520, 880), (700, seat)) + [(830, seat)], 4, 0.68)
    return (680, 560)


def kneeboot(s):
    upper = [(60, 880)] + bez((60, 880), (80, 800), (220, 780), (330, 760)) \
        + bez((330, 760), (430, 730), (470, 600), (470, 450)) + [(470, 120)] + bez((470, 120), (560, 95), (700, 90), (790, 100)) \
        + bez((790, 100), (800, 300), (810, 600), (835, 780)) + [(830, 800)] \
        + bez((830, 800), (650, 810), (520, 880), (380, 905)) + bez((380, 905), (250, 915), (90, 915), (60, 880))
    s.fill([(700, 795), (835, 795), (826, 1000), (712, 1000)], 0.7)
    s.fill(upper)
    s.line([(478, 140), (782, 122)], 4, 0.8)
    s.line(bez((70, 912), (300, 918), (520, 880), (700, 800)) + [(830, 800)], 4, 0.68)
    return (560, 300)


def sneaker(s):
    s.fill(rounded_rect(40, 840, 870, 950, 45), 1.0, SOLE)
    upper = [(50, 860)] + bez((50, 860), (60, 815), (180, 790), (320, 750)) \
        + bez((320, 750), (420, 720), (520, 670), (590, 665)) + bez((590, 665), (680, 690), (770, 680), (820, 665)) \
        + bez((820, 665), (850, 740), (850, 820), (840, 860))
    s.fill(upper)
    s.fill(bez((590, 668), (680, 694), (760, 686), (815, 670)) + bez((815, 670), (760, 700), (680, 706), (590, 668)), 0.55)
    for i in range(5):
        x = 350 + i * 50
        s.line([(x, 750 - i * 16), (x + 36, 778 - i * 17)], 6, 1.2, SOLE)
    s.line(bez((80, 840), (120, 780), (200, 770), (260, 800)), 3, 0.8)
    s.line([(50, 880), (860, 880)], 3, 0.82, SOLE)
    return (420, 760)


def loafer(s):
    upper = [(60, 895)] + bez((60, 895), (80, 830), (250, 800), (400, 780)) \
        + bez((400, 780), (500, 770), (540, 790), (600, 790)) + bez((600, 790), (700, 790), (780, 770), (830, 760)) \
        + bez((830, 760), (850, 800), (850, 880), (840, 915)) + [(70, 918)]
    s.fill([(700, 905), (842, 905), (838, 950), (712, 950)], 0.6)
    s.fill(upper)
    s.fill(bez((520, 788), (600, 800), (720, 790), (825, 766)) + bez((825, 766), (720, 780), (600, 786), (520, 788)), 0.5)
    s.fill([(360, 790), (470, 775), (490, 835), (370, 850)], 0.9)
    s.fill(ellipse_pts(425, 812, 28, 9), 0.45)
    s.line(bez((170, 830), (250, 790), (350, 790), (400, 790)), 3, 0.78)
    s.line([(62, 912), (842, 912)], 4, 0.7)
    return (420, 820)


def _garment(s, shoulders, hem_y, hem_half, sleeve_len, neck_drop, collar):
    """A front-view garment: body, sleeves and an optional collar."""
    sl = shoulders
    for side in (1, -1):
        pts = [(500 - side * (sl - 10), 110), (500 - side * (sl + 95), 220),
               (500 - side * (sl + 125), 110 + sleeve_len), (500 - side * (sl + 15), 130 + sleeve_len),
               (500 - side * (sl - 30), 380)]
        s.fill(pts, 0.9)
    body = [(500 - sl, 100)] + bez((500 - sl, 100), (460, 80), (430, 75), (420, 72)) \
        + bez((420, 72), (440, 72 + neck_drop), (560, 72 + neck_drop), (580, 72)) \
        + [(500 + sl, 100)] + bez((500 + sl, 100), (500 + sl + 10, 380), (500 + hem_half - 20, 700), (500 + hem_half, hem_y)) \
        + [(500 - hem_half, hem_y)] + bez((500 - hem_half, hem_y), (500 - hem_half + 20, 700), (500 - sl - 10, 380), (500 - sl, 100))
    s.fill(body)
    if collar:
        for side in (1, -1):
            s.fill([(500 - side * 80, 72), (500 - side * 150, 115), (500 - side * 20, 72 + neck_drop + 20), (500, 72 + neck_drop)], 1.08)


def coat(s):
    _garment(s, 215, 1330, 300, 780, 380, False)
    for side in (1, -1):
        s.fill([(500 - side * 80, 70), (500 - side * 200, 120), (500 - side * 130, 300),
                (500 + side * 40, 540), (500 + side * 40, 460)], 1.07)
    s.dots([(430, 620), (570, 620), (430, 800), (570, 800), (430, 980), (570, 980)], 14, 0.5)
    s.line([(540, 540), (560, 1325)], 3, 0.75)
    for side in (1, -1):
        s.line([(500 - side * 250, 860), (500 - side * 130, 860)], 4, 0.75)
    return (500, 380)


def dress(s):
    for x in (420, 580):
        s.band([(x, 160), (x + (10 if x > 500 else -10), 40)], 12, 0.95)
    bodice = [(400, 160)] + bez((400, 160), (450, 220), (550, 220), (600, 160)) \
        + bez((600, 160), (640, 300), (630, 420), (620, 470)) + bez((620, 470), (720, 700), (800, 1000), (820, 1150)) \
        + bez((820, 1150), (650, 1190), (350, 1190), (180, 1150)) + bez((180, 1150), (200, 1000), (280, 700), (380, 470)) \
        + bez((380, 470), (370, 420), (360, 300), (400, 160))
    s.fill(bodice)
    s.line(bez((380, 470), (450, 490), (550, 490), (620, 470)), 4, 0.75)
    for x in (420, 500, 580):
        s.line([(x + (x - 500) * 0.1, 520), (x + (x - 500) * 1.4, 1150)], 3, 0.86)
    return (500, 330)


def blouse(s):
    _garment(s, 195, 790, 220, 600, 120, True)
    s.line([(500, 200), (500, 785)], 3, 0.75)
    s.dots([(500, y) for y in (260, 390, 520, 650)], 9, 1.12)
    return (500, 220)


def sweater(s):
    _garment(s, 205, 760, 225, 620, 90, False)
    s.band(bez((420, 78), (440, 170), (560, 170), (580, 78)), 22, 0.88)
    s.fill(rounded_rect(275, 700, 725, 770, 8), 0.9)
    for x in range(290, 720, 18):
        s.line([(x, 706), (x, 764)], 2, 0.8)
    return (500, 160)


def blazer(s):
    _garment(s, 210, 860, 240, 650, 300, False)
    for side in (1, -1):
        s.fill([(500 - side * 80, 70), (500 - side * 190, 110), (500 - side * 150, 170), (500 - side * 120, 240),
                (500 + side * 10, 430), (500 + side * 10, 380)], 1.07)
    s.dots([(500, 500), (500, 620)], 13, 0.5)
    s.line([(300, 640), (400, 640)], 4, 0.75)
    s.line([(600, 640), (700, 640)], 4, 0.75)
    s.line([(590, 260), (670, 255)], 4, 0.75)
    return (500, 300)


def trousers(s):
    s.fill(rounded_rect(300, 70, 700, 140, 6), 0.92)
    for side in (1, -1):
        leg = [(500, 140), (500 - side * 200, 140), (500 - side * 215, 500), (500 - side * 230, 1180),
               (500 - side * 30, 1180), (500 - side * 8, 380)]
        s.fill(leg)
        s.line([(500 - side * 110, 150), (500 - side * 125, 1175)], 3, 0.82)
    for x in (340, 420, 580, 660):
        s.band([(x, 72), (x, 142)], 12, 0.84)
    s.line([(500, 140), (500, 380)], 3, 0.7)
    return (500, 220)


def skirt(s):
    s.fill(rounded_rect(330, 90, 670, 150, 6), 0.9)
    body = [(330, 150), (670, 150)] + bez((670, 150), (720, 400), (780, 600), (810, 800)) \
        + bez((810, 800), (650, 840), (350, 840), (190, 800)) + bez((190, 800), (220, 600), (280, 400), (330, 150))
    s.fill(body)
    for i in range(1, 9):
        t = i / 9
        s.line([(330 + 340 * t, 158), (190 + 620 * t, 815)], 3, 0.84)
    return (500, 300)


def square(s):
    pts = [(500, 120), (880, 500), (500, 880), (120, 500)]
    s.fill(pts)
    s.fill([(500, 185), (815, 500), (500, 815), (185, 500)], 1.25)
    s.fill([(500, 215), (785, 500), (500, 785), (215, 500)])
    for r, t in ((150, 1.35), (95, 0.85), (40, 1.35)):
        s.fill(ellipse_pts(500, 500, r, r, n=60), t)
    for dx, dy in ((-160, 0), (160, 0), (0, -160), (0, 160)):
        s.fill(ellipse_pts(500 + dx * 1.4, 500 + dy * 1.4, 28, 28, n=30), 1.3)
    return (560, 440)


def scarf(s):
    s.fill([(300, 100), (700, 100), (700, 760), (300, 760)])
    s.fill([(300, 560), (700, 560), (690, 980), (310, 980)], 0.94)
    for x in range(312, 690, 16):
        s.line([(x, 980), (x + 3, 1040)], 4, 0.9)
    s.line([(300, 560), (700, 560)], 4, 0.78)
    for x in (340, 660):
        s.line([(x, 110), (x, 550)], 2, 0.86)
    return (500, 900)


def belt(s):
    s.band(ellipse_pts(500, 560, 330, 190, 0, 360, 90), 70, 0.62)
    s.band(ellipse_pts(500, 530, 330, 190, 0, 360, 90), 70, 1.0)
    s.fill(rounded_rect(440, 660, 680, 760, 14), 1.03)
    s.band(rounded_rect(400, 640, 520, 780, 22) + rounded_rect(400, 640, 520, 780, 22)[:1], 20, 1.0, GOLD)
    s.band([(420, 710), (530, 710)], 10, 1.0, GOLD)
    s.dots([(560, 710), (615, 710)], 9, 0.45)
    return (480, 700)


def sunglasses(s):
    lens = [(150, 430)] + bez((150, 430), (260, 400), (400, 410), (450, 440)) \
        + bez((450, 440), (460, 560), (390, 620), (300, 620)) + bez((300, 620), (200, 620), (140, 540), (150, 430))
    for side in (1, -1):
        pts = lens if side == 1 else mirror(lens)
        s.band(pts + pts[:1], 34)
        s.fill(pts, 0.28)
        cx = 300 if side == 1 else 700
        s.fill([(cx - 90, 470), (cx - 40, 455), (cx - 120, 590), (cx - 150, 560)], 0.42)
    s.band(bez((450, 450), (470, 410), (530, 410), (550, 450)), 26)
    s.dots([(150, 440), (850, 440)], 12, 1.0, GOLD)
    return (350, 480)


def fedora(s):
    s.fill(ellipse_pts(500, 780, 440, 120), 0.92)
    crown = [(290, 790)] + bez((290, 790), (280, 600), (300, 470), (360, 430)) \
        + bez((360, 430), (430, 470), (570, 470), (640, 430)) + bez((640, 430), (700, 470), (720, 600), (710, 790)) \
        + bez((710, 790), (600, 830), (400, 830), (290, 790))
    s.fill(crown)
    band = [(288, 700)] + bez((288, 700), (400, 740), (600, 740), (712, 700)) + [(712, 790)] \
        + bez((712, 790), (600, 830), (400, 830), (288, 790))
    s.fill(band, 0.42)
    s.fill(ellipse_pts(500, 790, 440, 120, 0, 180, 50), 1.0)
    return (560, 700)


def sunhat(s):
    s.fill(ellipse_pts(500, 760, 480, 140), 0.95)
    crown = [(320, 770)] + bez((320, 770), (300, 560), (700, 560), (680, 770))
    s.fill(crown)
    s.fill([(318, 690)] + bez((318, 690), (420, 720), (580, 720), (682, 690)) + [(684, 760)]
           + bez((684, 760), (580, 800), (420, 800), (316, 760)), 0.4, (40, 36, 34))
    s.fill(ellipse_pts(500, 770, 480, 140, 0, 180, 60), 1.02)
    for r in (140, 240, 340, 440):
        s.line(ellipse_pts(500, 790, r, r * 0.28, 20, 160, 40), 2, 0.85)
    return (500, 740)


def cardholder(s):
    s.fill(rounded_rect(240, 300, 700, 620, 14), 1.0, (236, 230, 220))
    s.fill(rounded_rect(200, 380, 800, 800, 30))
    for i, y in enumerate((440, 500, 560)):
        s.fill(bez((210, y), (400, y + 30), (600, y + 30), (790, y)) + [(790, y + 60), (210, y + 60)], 0.96 - i * 0.02)
        s.line(bez((210, y), (400, y + 30), (600, y + 30), (790, y)), 3, 0.75)
    s.line(rounded_rect(218, 398, 782, 782, 24) + rounded_rect(218, 398, 782, 782, 24)[:1], 2, 0.8)
    return (500, 480)


def beret(s):
    s.fill(ellipse_pts(520, 620, 400, 170), 1.0)
    s.fill(ellipse_pts(500, 700, 320, 70, 0, 180, 50), 0.8)
    s.band([(520, 455), (528, 420)], 18, 0.9)
    s.line(ellipse_pts(500, 690, 320, 60, 10, 170, 40), 3, 0.75)
    return (520, 560)


def gloves(s):
    def glove(tone, dx, dy, angle):
        parts = [rounded_rect(380, 450, 620, 800, 90)]
        for x, top in ((388, 230), (448, 170), (508, 190), (568, 260)):
            parts.append(rounded_rect(x, top, x + 56, 520, 28))
        parts.append(rotate(rounded_rect(362, 500, 432, 770, 35), -24, 430, 770))
        parts.append(rounded_rect(370, 780, 630, 960, 12))
        for i, p in enumerate(parts):
            s.fill(shift(rotate(p, angle, 500, 600), dx, dy), tone * (0.9 if i == len(parts) - 1 else 1.0))
        s.line(shift(rotate([(500, 960), (500, 870)], angle, 500, 600), dx, dy), 4, tone * 0.6)
    glove(0.82, 150, 40, 12)
    glove(1.0, -60, 0, -8)
    return (480, 420)


SHAPES = {f.__name__: f for f in (tote, bucket, clutch, crossbody, backpack, pump, flat, ankleboot,
                                  kneeboot, sneaker, loafer, coat, dress, blouse, sweater, blazer,
                                  trousers, skirt, square, scarf, belt, sunglasses, fedora, sunhat,
                                  cardholder, beret, gloves)}
GROUNDED = {"tote", "bucket", "clutch", "crossbody", "backpack", "pump", "flat", "ankleboot",
            "kneeboot", "sneaker", "loafer", "belt", "sunglasses", "fedora", "sunhat", "cardholder",
            "beret", "gloves"}
FLAT_LAY = {"square", "scarf"}
W, H = 800, 1000  # output; drawn at twice this size, then downsampled
SS = 2


def product_images(item: Item, color_hex: str) -> tuple[Image.Image, Image.Image]:
    """The front view and the detail view of one product."""
    sketch = Sketch(hex_rgb(color_hex))
    focus = SHAPES[item.kind](sketch)
    canvas = backdrop(W * SS, H * SS)
    grounded = item.kind in GROUNDED
    if grounded:
        box = (W * SS * 0.15, H * SS * 0.2, W * SS * 0.85, H * SS * 0.77)
    else:
        box = (W * SS * 0.17, H * SS * 0.09, W * SS * 0.83, H * SS * 0.91)
    render(sketch, canvas, box, grounded)
    front = finish(canvas, (W, H))
    # the detail view: the same studio shot, closer in on an interesting part
    ux0, uy0, ux1, uy1 = sketch.bounds()
    scale = min((box[2] - box[0]) / (ux1 - ux0), (box[3] - box[1]) / (uy1 - uy0))
    ox = (box[0] + box[2]) / 2 - (ux0 + ux1) / 2 * scale
    oy = box[3] - uy1 * scale if grounded else (box[1] + box[3]) / 2 - (uy0 + uy1) / 2 * scale
    fx, fy = ox + focus[0] * scale, oy + focus[1] * scale
    zoom = 1.7
    cw, ch = W * SS / zoom, H * SS / zoom
    x0 = min(max(0, fx - cw / 2), W * SS - cw)
    y0 = min(max(0, fy - ch / 2), H * SS - ch)
    crop = canvas[int(y0):int(y0 + ch), int(x0):int(x0 + cw)]
    detail = finish(np.ascontiguousarray(crop), (W, H))
    return front, detail


# --- lookbook ---------------------------------------------------------------------

LB_W, LB_H = 1200, 1800
COLORS = {c[0]: c[4] for c in PALETTE}


def _field(canvas, pts, color, soft=2):
    h, w = canvas.shape[:2]
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon(pts, fill=255)
    a = np.asarray(mask.filter(ImageFilter.GaussianBlur(soft)), dtype=np.float32)[..., None] / 255
    c = np.array(hex_rgb(color) if isinstance(color, str) else color, dtype=np.float32)
    ys = np.linspace(1.03, 0.95, h, dtype=np.float32)[:, None, None]
    canvas[:] = canvas * (1 - a) + c * ys * a


def _arch(x0, y0, x1, y1):
    r = (x1 - x0) / 2
    return ellipse_pts((x0 + x1) / 2, y0 + r, r, r, 180, 360, 60) + [(x1, y1), (x0, y1)]


def _place(canvas, kind, color, box, grounded=True):
    sketch = Sketch(hex_rgb(COLORS[color]))
    SHAPES[kind](sketch)
    render(sketch, canvas, box, grounded)


def lookbook_images() -> list[Image.Image]:
    """Five calm attract-screen compositions, no text."""
    w, h = LB_W * SS, LB_H * SS
    scenes = []

    c = backdrop(w, h, (236, 229, 220), (214, 203, 190), 0.78)
    _field(c, _arch(w * 0.16, h * 0.12, w * 0.84, h * 0.78), "#c9a88a")
    _place(c, "coat", "camel", (w * 0.3, h * 0.18, w * 0.7, h * 0.74), grounded=False)
    _place(c, "bucket", "cognac", (w * 0.62, h * 0.66, w * 0.86, h * 0.82))
    scenes.append(c)

    c = backdrop(w, h, (240, 235, 229), (226, 214, 205))
    _field(c, [(0, h * 0.64), (w, h * 0.64), (w, h), (0, h)], "#dcbcb0", soft=30)
    _place(c, "pump", "black", (w * 0.08, h * 0.5, w * 0.5, h * 0.7))
    _place(c, "clutch", "blush", (w * 0.56, h * 0.62, w * 0.92, h * 0.76))
    scenes.append(c)

    c = np.zeros((h, w, 3), np.float32) + np.array(hex_rgb("#2a3450"), np.float32)
    c *= np.linspace(1.08, 0.85, h, dtype=np.float32)[:, None, None]
    _field(c, ellipse_pts(w * 0.5, h * 0.36, w * 0.3, w * 0.3), "#c79a6a", soft=6)
    _place(c, "square", "burgundy", (w * 0.18, h * 0.5, w * 0.82, h * 0.86), grounded=False)
    _place(c, "sunglasses", "black", (w * 0.3, h * 0.28, w * 0.7, h * 0.4))
    scenes.append(c)

    c = backdrop(w, h, (214, 212, 196), (178, 175, 150))
    _field(c, [(w * 0.2, h * 0.62), (w * 0.8, h * 0.62), (w * 0.8, h), (w * 0.2, h)], "#e6dfd3", soft=3)
    _field(c, [(w * 0.2, h * 0.62), (w * 0.8, h * 0.62), (w * 0.8, h * 0.635), (w * 0.2, h * 0.635)], "#f3eee6", soft=2)
    _place(c, "tote", "olive", (w * 0.22, h * 0.34, w * 0.6, h * 0.62))
    _place(c, "fedora", "camel", (w * 0.54, h * 0.52, w * 0.78, h * 0.62))
    scenes.append(c)

    c = backdrop(w, h, (234, 220, 214), (214, 192, 184))
    _field(c, [(w * 0.58, 0), (w, 0), (w, h), (w * 0.58, h)], "#7a2e3a", soft=4)
    _place(c, "dress", "burgundy", (w * 0.18, h * 0.12, w * 0.62, h * 0.82), grounded=False)
    _place(c, "flat", "blush", (w * 0.62, h * 0.74, w * 0.92, h * 0.86))
    scenes.append(c)
    return [finish(s, (LB_W, LB_H)) for s in scenes]


# --- writing ---------------------------------------------------------------------------


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def save_jpeg(img: Image.Image, path: Path, budget: int) -> int:
    """Save at quality 82, lowering it until the file fits budget bytes."""
    for quality in (82, 78, 74, 70, 65):
        img.save(path, "JPEG", quality=quality, optimize=True, progressive=True)
        if path.stat().st_size <= budget:
            break
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets")
    parser.add_argument("--no-images", action="store_true", help="write the JSON files only")
    parser.add_argument("--only", help="draw only products of this kind (for tuning shapes)")
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    products, stock = build_catalog(rng)
    catalog_dir = args.out / "catalog"
    catalog_dir.mkdir(parents=True, exist_ok=True)
    write_json(catalog_dir / "products.json", products)
    # one row per line: readable diffs when the generator changes
    rows = ",\n".join(json.dumps(r, ensure_ascii=False) for r in stock)
    (catalog_dir / "stock.json").write_text(f"[\n{rows}\n]\n", encoding="utf-8")
    write_json(catalog_dir / "categories.json", CATEGORIES)
    write_json(catalog_dir / "colors.json",
               [{"id": i, "label": {"fr": fr, "en": en}, "hex": hx} for i, _, fr, en, hx in PALETTE])
    print(f"{len(products)} products, {len(stock)} stock rows")
    if args.no_images:
        return 0
    images = catalog_dir / "images"
    if not args.only and images.exists():
        shutil.rmtree(images)
    images.mkdir(exist_ok=True)
    total = 0
    hexes = {c[0]: c[4] for c in PALETTE}
    for item, product in zip(ITEMS, products):
        if args.only and item.kind != args.only:
            continue
        front, detail = product_images(item, hexes[item.colors[0]])
        for img, rel in zip((front, detail), product["images"]):
            total += save_jpeg(img, catalog_dir / rel, 60_000)
    lookbook = args.out / "lookbook"
    if not args.only or args.only == "lookbook":
        lookbook.mkdir(exist_ok=True)
        for n, img in enumerate(lookbook_images(), 1):
            total += save_jpeg(img, lookbook / f"lookbook-{n}.jpg", 160_000)
    print(f"images: {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
