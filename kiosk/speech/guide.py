"""The audio guide: what the kiosk says, repeat, interrupt and volume (no Kivy here).

    guide = AudioGuide(engine, tr=app.tr, lang=lambda: app.lang)
    guide.toggle()                        # on: says how to use it; off: says so, then silence
    guide.screen("La collection", ["60 pièces"])
    guide.focused("Escarpins Vendôme, 450 €")
    guide.repeat(); guide.interrupt(); guide.louder(); guide.softer()
"""

from __future__ import annotations

from typing import Callable

from kiosk.speech.engine import SpeechEngine

VOLUME_STEP = 0.1
MIN_VOLUME = 0.2  # never so soft that the shopper thinks it has stopped working


class AudioGuide:
    """Speaks screens and focused items while enabled; remembers the last phrase for repeat."""

    def __init__(self, engine: SpeechEngine, tr: Callable[[str], str], lang: Callable[[], str],
                 volume: float = 0.8) -> None:
        self.engine = engine
        self._tr = tr
        self._lang = lang
        self.volume = self._default_volume = volume
        self.enabled = False
        self.last = ""

    def _say(self, text: str) -> None:
        text = " ".join(text.split())
        if not self.enabled or not text:
            return
        self.last = text
        self.engine.say(text, self._lang(), self.volume)

    def toggle(self, context: str = "") -> bool:
        """Switch guidance on (saying how to use it, then context) or off; returns the new state."""
        if self.enabled:
            self._say(self._tr("Audio guidance off."))
            self.enabled = False
        else:
            self.enabled = True
            self._say(self._tr("Audio guidance on. Use the arrows or Tab to move, Enter to choose, "
                               "0 to repeat, plus and minus for the volume, the star to stop guidance.")
                      + " " + context)
        return self.enabled

    def off(self) -> None:
        """Silence and switch off without a word (the shopper has left); the next starts at the default volume."""
        self.enabled = False
        self.last = ""
        self.volume = self._default_volume
        self.engine.stop()

    def screen(self, title: str, details: list[str] | tuple[str, ...] = ()) -> None:
        """A new screen: its title, then what it shows (results, price, stock)."""
        self._say(". ".join(part.strip().rstrip(".") for part in (title, *details) if part and part.strip()) + ".")

    def focused(self, description: str) -> None:
        """The item that now has the keyboard focus."""
        self._say(description)

    def say(self, text: str) -> None:
        """Anything else worth hearing (a panel that opened, a message)."""
        self._say(text)

    def repeat(self) -> None:
        if self.enabled and self.last:
            self.engine.say(self.last, self._lang(), self.volume)

    def interrupt(self) -> None:
        self.engine.stop()

    def louder(self) -> None:
        self._set_volume(self.volume + VOLUME_STEP)

    def softer(self) -> None:
        self._set_volume(self.volume - VOLUME_STEP)

    def _set_volume(self, volume: float) -> None:
        self.volume = round(max(MIN_VOLUME, min(1.0, volume)), 2)
        self._say(self._tr("Volume %d%%") % round(self.volume * 100))
