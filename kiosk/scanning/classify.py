"""Say what a scanned code is (app token, product barcode, hand-off or claim link, other) without acting on it.

    scanned = classify(code, catalog=bridge.catalog, handoff_prefix=url_prefix(settings.kiosk.handoff_url))
    if scanned.kind == APP_TOKEN: verify(scanned.text, ...)
    label.text = display_text(code.text)   # QR text is shown escaped, never interpreted

`message` is an untranslated msgid; the screen shows `_(scanned.message)`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from kiosk.scanning.decode import Code

APP_TOKEN = "app_token"
PRODUCT = "product"
HANDOFF = "handoff"
CLAIM = "claim"
NOT_RECOGNISED = "not_recognised"

RETAIL_KINDS = {"ean13", "upca", "ean8"}
MAX_DISPLAY_CHARS = 120
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def N_(msgid: str) -> str:
    """Mark a string for translation; it is translated where it is shown."""
    return msgid


@dataclass(frozen=True)
class Scanned:
    """What a code turned out to be; product/variant are set for a barcode found in the catalog."""

    kind: str
    code: Code
    message: str
    ean: str | None = None
    sku: str | None = None
    product: Any = None
    variant: Any = None

    @property
    def text(self) -> str:
        return self.code.text


def classify(code: Code, *, catalog: Any = None, handoff_prefix: str | None = None,
             claim_prefix: str | None = None) -> Scanned:
    """Classify a decoded code; nothing is verified, opened or recorded here."""
    if code.kind in RETAIL_KINDS:
        return _product(code, catalog)
    text = code.text.strip()
    if looks_like_app_token(text):
        return Scanned(APP_TOKEN, code, N_("Checking your app code…"))
    if handoff_prefix and text.startswith(handoff_prefix):
        return Scanned(HANDOFF, code, N_("This is a “continue on your phone” code: scan it with your phone's camera."))
    if claim_prefix and text.startswith(claim_prefix):
        return Scanned(CLAIM, code, N_("This code saves a kiosk visit to your account: scan it with your phone's camera."))
    return Scanned(NOT_RECOGNISED, code, N_("This code is not recognised."))


def url_prefix(template: str) -> str:
    """The fixed start of a URL template ("https://x/claim/{claim_code}" -> "https://x/claim/")."""
    return template.split("{", 1)[0]


def looks_like_app_token(text: str) -> bool:
    """Three base64url segments whose header says alg EdDSA (the signature is checked elsewhere)."""
    parts = text.split(".")
    if len(parts) != 3 or not all(_B64URL.match(p) for p in parts):
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and header.get("alg") == "EdDSA"


def as_ean13(code: Code) -> str | None:
    """The EAN-13 of a retail barcode (UPC-A gets a leading 0), or None if the check digit is wrong."""
    digits = code.text.strip()
    if not (digits.isascii() and digits.isdigit()):  # "²" is a digit to isdigit(), not to int()
        return None
    if code.kind == "upca" and len(digits) == 12:
        digits = "0" + digits
    if len(digits) not in (8, 13) or not _check_digit_ok(digits):
        return None
    return digits


def _check_digit_ok(digits: str) -> bool:
    body = digits[:-1]
    # Weights 3,1,3,… from the rightmost body digit, for EAN-8 and EAN-13 alike.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(digits[-1])


def _product(code: Code, catalog: Any) -> Scanned:
    ean = as_ean13(code)
    if ean is None:
        return Scanned(NOT_RECOGNISED, code, N_("This barcode could not be read correctly."))
    found = None
    if catalog is not None:
        found = catalog.find_ean(ean)
        if found is None and len(ean) == 13 and ean.startswith("0"):
            found = catalog.find_ean(ean[1:])  # a catalog may hold the 12-digit UPC-A
    if found is None:
        return Scanned(PRODUCT, code, N_("This product is not in our catalog."), ean=ean)
    product, variant = found
    return Scanned(PRODUCT, code, N_("Product found."), ean=ean, sku=variant.sku,
                   product=product, variant=variant)


def display_text(text: str, limit: int = MAX_DISPLAY_CHARS) -> str:
    """Scanned text made safe for a Kivy markup label: controls dropped, shortened, markup escaped."""
    cleaned = "".join(" " if ch in "\t\n\r" else ch for ch in text
                      if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    if len(cleaned) > limit:
        cleaned = cleaned[:limit - 1] + "…"
    # Same as kivy.utils.escape_markup, without importing Kivy here.
    return cleaned.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
