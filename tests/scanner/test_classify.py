"""classify() and display_text(): what was scanned, shown safely."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.scanning.classify import (APP_TOKEN, CLAIM, HANDOFF, NOT_RECOGNISED, PRODUCT, classify, display_text,
                           looks_like_app_token, url_prefix)
from kiosk.scanning.decode import Code, decode

from .camera_frames import qr_image
from .tokens_helper import KeyPair, claims, sign, unsigned

HANDOFF_TEMPLATE = "https://app.example.com/continue?h={handoff_id}&skus={skus}"
CLAIM_TEMPLATE = "https://app.example.com/claim/{claim_code}"


@dataclass(frozen=True)
class V:
    sku: str


class FakeCatalog:
    """Only find_ean, the seam classify() uses; real Catalog tests live with bridge.catalog."""

    def __init__(self, by_ean: dict):
        self.by_ean = by_ean
        self.asked: list[str] = []

    def find_ean(self, ean):
        self.asked.append(ean)
        return self.by_ean.get(ean)


def test_app_token_is_recognised_but_not_verified():
    token = sign(KeyPair.generate("k"), claims())
    assert looks_like_app_token(token)
    assert classify(Code("qrcode", token)).kind == APP_TOKEN
    assert classify(Code("qrcode", unsigned(claims(), "k"))).kind == NOT_RECOGNISED
    assert classify(Code("qrcode", "a.b.c")).kind == NOT_RECOGNISED


def test_ean13_found_in_catalog():
    catalog = FakeCatalog({"4006381333931": ("product-1", V("RM-1001-S-BLK"))})
    s = classify(Code("ean13", "4006381333931"), catalog=catalog)
    assert (s.kind, s.sku, s.product, s.ean) == (PRODUCT, "RM-1001-S-BLK", "product-1", "4006381333931")


def test_upca_is_looked_up_as_ean13_with_leading_zero_then_as_upc():
    catalog = FakeCatalog({"036000291452": ("p", V("UPC-SKU"))})
    s = classify(Code("upca", "036000291452"), catalog=catalog)
    assert catalog.asked == ["0036000291452", "036000291452"]
    assert s.ean == "0036000291452" and s.sku == "UPC-SKU"


def test_unknown_product_and_bad_check_digit():
    s = classify(Code("ean8", "96385074"), catalog=FakeCatalog({}))
    assert s.kind == PRODUCT and s.product is None and s.ean == "96385074"
    assert classify(Code("ean13", "4006381333932")).kind == NOT_RECOGNISED


def test_a_code_of_non_ascii_digits_is_not_recognised_rather_than_crashing():
    # Code 128 can carry Latin-1: "²" passes str.isdigit() but not int().
    for kind in ("ean8", "code128"):
        assert classify(Code(kind, "9638507²"), catalog=FakeCatalog({})).kind == NOT_RECOGNISED


def test_handoff_and_claim_urls_are_explained():
    kwargs = dict(handoff_prefix=url_prefix(HANDOFF_TEMPLATE), claim_prefix=url_prefix(CLAIM_TEMPLATE))
    assert classify(Code("qrcode", "https://app.example.com/continue?h=X&skus=A"), **kwargs).kind == HANDOFF
    s = classify(Code("qrcode", "https://app.example.com/claim/ABC"), **kwargs)
    assert s.kind == CLAIM and "phone" in s.message
    assert classify(Code("qrcode", "https://evil.example/claim/ABC"), **kwargs).kind == NOT_RECOGNISED


def test_markup_in_a_real_qr_is_shown_literally():
    text = "[b]hi[/b] & [color=ff0000]"
    (code,) = decode(qr_image(text))
    assert classify(code).kind == NOT_RECOGNISED
    assert display_text(code.text) == "&bl;b&br;hi&bl;/b&br; &amp; &bl;color=ff0000&br;"


def test_display_text_strips_controls_and_truncates():
    assert display_text("a\x00b\x1b[31mc\u202e\nd") == "ab&bl;31mc d"
    long = display_text("x" * 500, limit=50)
    assert len(long) == 50 and long.endswith("…")
    assert display_text("[" * 10, limit=5) == "&bl;" * 4 + "…"
