"""The kiosk's voice: espeak-ng through pyttsx3, spoken from one worker thread.

    engine = EspeakEngine()
    engine.say("Bonjour", lang="fr", volume=0.8)   # returns at once; interrupts what was said
    engine.stop()                                  # silence now
    engine.save("Hello", "en", path)               # a WAV file, for checks without a sound card

pyttsx3 drives libespeak-ng and plays through `aplay` (Debian: espeak-ng, alsa-utils).
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Protocol

log = logging.getLogger("vitrine.kiosk")

# espeak-ng voice names for the kiosk's languages.
VOICES = {"fr": "fr", "en": "en"}


class SpeechEngine(Protocol):
    """What the audio guide needs from a voice."""

    def say(self, text: str, lang: str, volume: float) -> None:
        """Start saying text now, cutting off whatever was being said."""

    def stop(self) -> None:
        """Stop speaking at once."""


class EspeakEngine:
    """pyttsx3's espeak driver on a thread of its own (pyttsx3 is not thread-safe)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._engine = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._saved: dict[str, threading.Event] = {}  # files asked for, by path, set once written
        self._thread = threading.Thread(target=self._run, name="kiosk-speech", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None:
            raise RuntimeError(f"espeak-ng is not available (apt-get install espeak-ng): {self._error}")

    def _run(self) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init("espeak")
        except BaseException as exc:  # missing library or driver: reported by __init__
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        while True:
            job = self._jobs.get()
            if job is None:
                return
            kind, text, lang, volume, path = job
            try:
                self._engine.setProperty("voice", VOICES.get(lang, "en"))
                self._engine.setProperty("volume", max(0.0, min(1.0, volume)))
                if kind == "save":
                    self._engine.save_to_file(text, str(path))
                else:
                    self._engine.say(text)
                self._engine.runAndWait()
                if kind == "save":
                    # pyttsx3 2.99's espeak driver keeps writing every later phrase to that file.
                    driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
                    if driver is not None and hasattr(driver, "_save_file"):
                        driver._save_file = None
            except Exception:
                log.exception("kiosk: speech failed")
            finally:
                if kind == "save":
                    self._saved.pop(str(path), threading.Event()).set()

    def _drop_pending(self) -> None:
        try:
            while True:
                job = self._jobs.get_nowait()
                if job is not None and job[0] == "save":
                    self._jobs.put(job)  # a requested file is still written
                    return
        except queue.Empty:
            pass

    def say(self, text: str, lang: str, volume: float) -> None:
        self._drop_pending()
        self.stop()
        self._jobs.put(("say", text, lang, volume, None))

    def stop(self) -> None:
        if self._engine is not None:
            try:
                self._engine.stop()
            except Exception:
                log.debug("kiosk: speech stop failed", exc_info=True)

    def save(self, text: str, lang: str, path: Path, volume: float = 1.0, timeout: float = 30) -> Path:
        """Synthesise text into a WAV file at path and wait for it (a check without speakers)."""
        done = self._saved[str(path)] = threading.Event()
        self._jobs.put(("save", text, lang, volume, path))
        if not done.wait(timeout):
            raise TimeoutError(f"espeak-ng did not write {path} within {timeout} s")
        return Path(path)

    def close(self) -> None:
        self.stop()
        self._jobs.put(None)
        self._thread.join(timeout=5)


class LazyEspeak:
    """An EspeakEngine made on first use, so a kiosk that never speaks never loads espeak-ng.

    If espeak-ng is missing the guide stays silent and the reason is logged once.
    """

    def __init__(self) -> None:
        self._engine: EspeakEngine | None = None
        self._failed = False

    def _get(self) -> EspeakEngine | None:
        if self._engine is None and not self._failed:
            try:
                self._engine = EspeakEngine()
            except RuntimeError as exc:
                self._failed = True
                log.error("kiosk: audio guidance has no voice: %s", exc)
        return self._engine

    def say(self, text: str, lang: str, volume: float) -> None:
        engine = self._get()
        if engine is not None:
            engine.say(text, lang, volume)

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.stop()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
