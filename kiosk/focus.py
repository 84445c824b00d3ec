"""Keyboard and keypad control of the kiosk, with a visible focus ring and the audio guide.

    focus = FocusRing(app, guide)   # in App.build(); binds Window key events
    focus.move(+1); focus.activate(); focus.focused

Keys (a PC keyboard or a USB keypad; documented in docs/accessibility.md):
Tab / Shift+Tab, arrows, keypad 8 2 4 6: move   Enter, Space, keypad Enter or 5: choose
Page Up / Page Down, keypad 9 / 3: scroll       keypad * or F2: audio guidance on/off
keypad 0 or F3: repeat   keypad . or F4: stop speaking   keypad + / -: volume

The order is reading order (rows top to bottom, then left to right) of the visible
buttons of the open panel, an open drop-down, or else the current screen.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, InstructionGroup, Line
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.dropdown import DropDown
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView

from kiosk.speech.describe import describe_screen, describe_widget

from kiosk.keys import (ACTIVATE, F2, F3, F4, HANDLED, KP, KP_MINUS, KP_MULTIPLY, KP_PERIOD, KP_PLUS,
                        NEXT, PAGE_DOWN, PAGE_UP, PREVIOUS, TAB)


def _visible(widget: Any) -> bool:
    node = widget
    while node is not None and node is not Window:
        if getattr(node, "opacity", 1) == 0 or getattr(node, "disabled", False):
            return False
        node = node.parent
    return widget.width > 0 and widget.height > 0


def _window_box(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def _scroller(widget: Any) -> Any:
    """The nearest scroll view around widget, or None."""
    node = widget.parent
    while node is not None and node is not Window:
        if isinstance(node, ScrollView):
            return node
        node = node.parent
    return None


def _in_view(widget: Any) -> bool:
    """On screen, or in a scroll view that can bring it there (focusing scrolls to it).

    A recycle view's cards count only while in its viewport: the others are spares it recycles.
    """
    view = _scroller(widget)
    if view is not None and not isinstance(view, RecycleView):
        return True
    x, y, right, top = _window_box(widget)
    cx, cy = (x + right) / 2, (y + top) / 2
    if view is not None:
        vx, vy, vright, vtop = _window_box(view)
        if not (vx <= cx <= vright and vy <= cy <= vtop):
            return False
    return 0 <= cx < Window.width and 0 <= cy < Window.height


def reading_order(widgets: list) -> list:
    """Rows from the top, each left to right; a row is widgets whose centres are level.

    The cards of one list (a recycle view) are read together, from where its first card
    falls: a list beside other buttons (search's results beside its keyboard in a short
    landscape window) would otherwise be read a row of cards, a row of keys, and so on.
    """
    boxes = sorted(((_window_box(w), w) for w in widgets), key=lambda bw: -(bw[0][1] + bw[0][3]))
    rows: list[list] = []
    for box, widget in boxes:
        centre = (box[1] + box[3]) / 2
        if rows and abs(rows[-1][0] - centre) <= max(4.0, (box[3] - box[1]) / 2):
            rows[-1][1].append((box, widget))
        else:
            rows.append([centre, [(box, widget)]])
    return _lists_together([w for _centre, row in rows for _box, w in sorted(row, key=lambda bw: bw[0][0])])


def _lists_together(ordered: list) -> list:
    """ordered, with each recycle view's cards moved up to follow its first card."""
    def list_of(widget: Any) -> Any:
        view = _scroller(widget)
        return view if isinstance(view, RecycleView) else None

    cards: dict[int, list] = {}
    for widget in ordered:
        view = list_of(widget)
        if view is not None:
            cards.setdefault(id(view), []).append(widget)
    result = []
    for widget in ordered:
        view = list_of(widget)
        if view is None:
            result.append(widget)
        elif cards.get(id(view)):
            result.extend(cards.pop(id(view)))
    return result


class FocusRing:
    """Moves a keyboard focus over the visible buttons and draws a ring around it."""

    def __init__(self, app: Any, guide: Any) -> None:
        self.app = app
        self.guide = guide
        self.focused: Any = None
        self._announce: Any = None  # the pending read-out of a screen just shown
        self._ring = InstructionGroup()
        self._colour = Color(0, 0, 0, 0)
        self._line = Line(width=2)
        self._ring.add(self._colour)
        self._ring.add(self._line)
        Window.canvas.after.add(self._ring)
        Window.bind(on_key_down=self._on_key_down)
        app.bind(current=self._on_screen, theme=lambda *_: self._draw())
        self._follow = Clock.schedule_interval(lambda _dt: self._draw(), 0)
        self._follow.cancel()  # the ring follows its widget (scrolling, layout) only while shown

    # -- what can take the focus ---------------------------------------------
    def _layer(self) -> Any:
        for child in Window.children:  # newest first
            if isinstance(child, (ModalView, DropDown)):
                return child
        return self.app.manager.current_screen

    def candidates(self) -> list:
        layer = self._layer()
        found = [w for w in layer.walk(restrict=True)
                 if isinstance(w, ButtonBehavior) and _visible(w) and _in_view(w)]
        return reading_order(found)

    # -- moving ---------------------------------------------------------------
    def move(self, step: int) -> Any:
        """Focus the next (step=1) or previous (-1) candidate; wraps around."""
        items = self.candidates()
        if not items:
            return self.focus(None)
        current = self._find(items, self.focused)
        if current is not None:
            index = (current + step) % len(items)
        else:
            index = 0 if step > 0 else len(items) - 1
        return self.focus(items[index])

    @staticmethod
    def _find(items: list, widget: Any) -> int | None:
        """widget's place in items, or that of its replacement (a screen rebuilt its buttons)."""
        if widget is None:
            return None
        if widget in items:
            return items.index(widget)
        same = [i for i, w in enumerate(items)
                if type(w) is type(widget) and getattr(w, "text", None) == getattr(widget, "text", None)]
        return same[0] if len(same) == 1 else None

    def focus(self, widget: Any) -> Any:
        self.focused = widget
        self._draw()
        if widget is None:
            self._follow.cancel()
        else:
            view = _scroller(widget)
            if view is not None and not isinstance(view, RecycleView):  # its cards are in view already
                view.scroll_to(widget, padding=self.app.theme.dp(16), animate=False)
            self._follow()
            self.guide.focused(describe_widget(widget, self.app.tr))
        return widget

    def activate(self) -> None:
        """Press the focused button, as a tap would; on a screen without buttons, tap the screen."""
        widget = self.focused
        if widget is None or not _visible(widget):
            start = getattr(self.app.manager.current_screen, "start_by_key", None)
            if start is not None and not self.candidates():
                start()  # the attract screen: any key starts, as any touch does
            else:
                self.move(1)
            return
        widget.dispatch("on_press")
        widget.dispatch("on_release")

    def scroll(self, pages: int) -> None:
        """Scroll the list around the focus (or the screen's first list) by pages."""
        view = self._scroll_view()
        if view is None or not view.children:
            return
        content = view.children[0]
        overflow = content.height - view.height
        if overflow <= 0:
            return
        view.scroll_y = max(0.0, min(1.0, view.scroll_y - pages * view.height / overflow))
        Clock.schedule_once(lambda _dt: self.move(1) if self.focused not in self.candidates() else None, 0)

    def _scroll_view(self) -> Any:
        near = _scroller(self.focused) if self.focused is not None else None
        if near is not None:
            return near
        views = [w for w in self._layer().walk(restrict=True) if isinstance(w, ScrollView) and _visible(w)]
        return max(views, key=lambda v: v.width * v.height, default=None)

    # -- the ring -------------------------------------------------------------
    def _covered(self, widget: Any) -> bool:
        """A panel or drop-down is open above the focused widget's layer."""
        layer = self._layer()
        if layer is self.app.manager.current_screen:
            return False
        node = widget
        while node is not None and node is not Window:
            if node is layer:
                return False
            node = node.parent
        return True

    def _draw(self) -> None:
        widget = self.focused
        if widget is None or widget.get_root_window() is None or not _visible(widget) or self._covered(widget):
            self._colour.a = 0
            return
        theme = self.app.theme
        gap = theme.dp(3)
        x, y, right, top = _window_box(widget)
        self._colour.rgba = theme.accent
        self._line.width = max(1.5, theme.dp(3))
        self._line.rounded_rectangle = (x - gap, y - gap, right - x + 2 * gap, top - y + 2 * gap, theme.dp(8))

    # -- events ---------------------------------------------------------------
    def _on_screen(self, *_: Any) -> None:
        self.focus_cleared()
        # After the new screen has laid out and filled in its texts.
        if self._announce is not None:
            self._announce.cancel()
        self._announce = Clock.schedule_once(lambda _dt: self.announce_screen(), 0.3)

    def announce_screen(self, tries: int = 10) -> None:
        """Read the current screen out; while its contents are still loading, wait for them."""
        self._announce = None
        title, details = describe_screen(self.app.manager.current_screen, self.app.tr)
        if not details and tries > 0:
            self._announce = Clock.schedule_once(lambda _dt: self.announce_screen(tries - 1), 0.2)
            return
        self.guide.screen(title, details)

    def focus_cleared(self) -> None:
        self.focused = None
        self._follow.cancel()
        self._colour.a = 0

    def screen_words(self) -> str:
        """The current screen's title and contents as one phrase (said now: no announcement pending)."""
        if self._announce is not None:
            self._announce.cancel()
        title, details = describe_screen(self.app.manager.current_screen, self.app.tr)
        return ". ".join([title, *details]) + "."

    def _on_key_down(self, _window: Any, key: int, _scancode: int, _codepoint: Any, modifiers: list) -> bool | None:
        if key not in HANDLED:
            return None
        self.app.someone_is_here()  # first, as a touch down comes before its release
        if key == TAB:
            self.move(-1 if "shift" in modifiers else 1)
        elif key in NEXT:
            self.move(1)
        elif key in PREVIOUS:
            self.move(-1)
        elif key in ACTIVATE:
            self.activate()
        elif key in (PAGE_DOWN, KP[3]):
            self.scroll(1)
        elif key in (PAGE_UP, KP[9]):
            self.scroll(-1)
        elif key in (KP_MULTIPLY, F2):
            self.app.toggle_audio_guide()
        elif key in (KP[0], F3):
            self.guide.repeat()
        elif key in (KP_PERIOD, F4):
            self.guide.interrupt()
        elif key == KP_PLUS:
            self.guide.louder()
        elif key == KP_MINUS:
            self.guide.softer()
        return True
