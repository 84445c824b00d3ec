"""Screen changes that cut a running transition short, on the real app (Xvfb).

The scan and staff screens start their idle timer (and the camera) in on_pre_enter and
stop them in on_leave: a screen left before its transition ended must still hear on_leave,
or its timer later sends whoever is at the kiosk to another screen.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kiosk


@pytest.fixture(params=["none", "dip"])
def transition(request, kiosk):
    """The tests' instant transition, or the shopper's real 0.2 s dip."""
    from kiosk.transitions import DipTransition

    manager = kiosk.app.manager
    tests_transition = manager.transition
    if request.param == "dip":
        manager.transition = DipTransition(duration=0.2)
    yield kiosk
    kiosk.settle()
    manager.transition = tests_transition


def test_a_screen_left_before_its_transition_ended_stops_its_timer(transition):
    kiosk = transition
    app = kiosk.app
    scan = app.screens["scan"]
    app.go("browse")
    kiosk.settle()
    app.go("scan", purpose="identify")  # on_pre_enter starts the scan screen's idle timer
    kiosk.settle()
    assert scan._idle_event is not None
    scan.cancel()  # back to browse…
    assert app.manager.transition.is_active
    app.go("search")  # …and on before that change has finished (a key press, a timer)
    kiosk.settle()
    assert kiosk.screen == "search"
    assert scan._idle_event is None, "the scan screen's idle timer outlived the screen"


def test_the_attract_slideshow_stops_when_the_attract_screen_is_left_mid_transition(transition):
    kiosk = transition
    app = kiosk.app
    attract = app.screens["attract"]
    assert kiosk.screen == "attract" and attract._event is not None  # the slideshow runs
    app.go("browse")
    assert app.manager.transition.is_active
    app.go("search")  # the attract screen had not finished leaving
    kiosk.settle()
    assert attract._event is None, "the slideshow kept running behind the shopper"
