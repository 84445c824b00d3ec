"""Image memory: the texture cache is bounded in bytes, and the lookbook is held only on screen."""

from __future__ import annotations

import pytest

from kiosk.images import ImageCache
from kiosk.screens.attract import lookbook_images

pytestmark = pytest.mark.kiosk


def test_cache_keeps_the_newest_textures_within_its_byte_budget(kiosk):
    from conftest import REPO

    card = (320, 400)  # the sample photos are 800x1000: 320x400 RGBA, 512,000 bytes each
    cache = ImageCache(max_bytes=3 * 320 * 400 * 4)
    paths = sorted(str(p) for p in (REPO / "assets/catalog/images").glob("*.jpg"))[:5]
    got = {}
    try:
        for path in paths:
            cache.request(path, card, lambda p, texture: got.__setitem__(p, texture))
            kiosk.wait_until(lambda: path in got, message=path)  # one at a time: a known LRU order
        assert all(texture is not None for texture in got.values())
        assert len(cache) == 3 and cache.bytes == 3 * 512_000
        assert cache.get(paths[0], card) is None and cache.get(paths[-1], card) is got[paths[-1]]

        lookbook = lookbook_images()[0]
        shown = []
        cache.request(lookbook, (1920, 1920), lambda p, texture: shown.append(texture), keep=False)
        kiosk.wait_until(lambda: shown, message="the lookbook photo")
        assert shown[0] is not None and cache.get(lookbook, (1920, 1920)) is None
        assert len(cache) == 3  # the product photos were not pushed out by it
    finally:
        cache.shutdown()


def test_attract_screen_lets_its_photos_go_while_the_shopper_browses(kiosk):
    attract = kiosk.app.screens["attract"]
    kiosk.wait_until(lambda: attract.ids.front.texture is not None, message="the lookbook")
    old = attract.ids.front
    attract._event.cancel()  # this test turns the slides itself
    attract._next(0)  # the next slide fades in over the first; the old one is let go once hidden
    kiosk.wait_until(lambda: old.path == "", message="the faded-out photo let go")
    assert old.texture is None and old is not attract.ids.front
    kiosk.tap(attract)
    kiosk.wait_until(lambda: kiosk.screen == "browse")
    assert attract.ids.front.texture is None and attract.ids.back.texture is None
    kiosk.app.end_session("done")
    kiosk.wait_until(lambda: attract.ids.front.texture is not None, message="the lookbook again")


def test_the_newest_request_is_decoded_first(kiosk, monkeypatch):
    # A product page's photo must not wait behind the card photos of a grid scrolled past.
    import threading

    import kiosk.images as images
    from conftest import REPO

    paths = sorted(str(p) for p in (REPO / "assets/catalog/images").glob("*.jpg"))[:4]
    started, release, order = threading.Event(), threading.Event(), []
    real_decode = images.decode

    def watched(path, size, crop=False):  # the real decoder, its order noted; the first held
        order.append(path)
        if path == paths[0]:
            started.set()
            release.wait(10)
        return real_decode(path, size, crop)

    monkeypatch.setattr(images, "decode", watched)
    cache = ImageCache(workers=1)
    got = {}
    try:
        cache.request(paths[0], (64, 80), lambda p, t: got.__setitem__(p, t))
        assert started.wait(10)  # the only worker is busy with the first
        for path in paths[1:]:
            cache.request(path, (64, 80), lambda p, t: got.__setitem__(p, t))
        release.set()
        kiosk.wait_until(lambda: len(got) == len(paths), message="every photo")
        assert order == [paths[0], paths[3], paths[2], paths[1]]
        assert all(texture is not None for texture in got.values())
    finally:
        release.set()
        cache.shutdown()
