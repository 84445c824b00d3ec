"""The audio guide's words, repeat, interrupt and volume, with a recording test double for the
voice; and one real espeak-ng smoke test that makes a WAV file in each language."""

from __future__ import annotations

import wave

import pytest

from kiosk.i18n import Translator
from kiosk.speech.guide import AudioGuide


class RecordingSpeech:
    """Test double for the speech engine: records what would have been said (no sound card here)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str, float]] = []
        self.stops = 0

    def say(self, text: str, lang: str, volume: float) -> None:
        self.said.append((text, lang, volume))

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        pass

    @property
    def texts(self) -> list[str]:
        return [text for text, _lang, _volume in self.said]


@pytest.fixture
def voice():
    return RecordingSpeech()


@pytest.fixture
def guide(voice):
    lang = {"value": "fr"}
    translate = Translator()
    made = AudioGuide(voice, tr=lambda msgid: translate(msgid, lang["value"]), lang=lambda: lang["value"])
    made.set_lang = lambda value: lang.update(value=value)
    return made


def test_nothing_is_said_until_guidance_is_switched_on(guide, voice):
    guide.screen("La collection", ["60 pièces"])
    guide.focused("Explorer")
    assert voice.said == []


def test_switching_on_explains_the_keys_in_the_shoppers_language(guide, voice):
    guide.toggle("La collection.")
    text, lang, _ = voice.said[-1]
    assert lang == "fr" and "Guidage vocal activé" in text and text.endswith("La collection.")
    guide.toggle()
    guide.set_lang("en")
    guide.toggle()
    assert "Audio guidance on" in voice.texts[-1] and voice.said[-1][1] == "en"


def test_screen_title_then_details_in_one_phrase(guide, voice):
    guide.toggle()
    guide.screen("Escarpins Vendôme", ["450 €", "En stock ici : 3.", ""])
    assert voice.texts[-1] == "Escarpins Vendôme. 450 €. En stock ici : 3."


def test_repeat_says_the_last_phrase_again_and_interrupt_stops(guide, voice):
    guide.toggle()
    guide.focused("Robe portefeuille en soie, 490 €")
    guide.repeat()
    assert voice.texts[-2:] == ["Robe portefeuille en soie, 490 €"] * 2
    guide.interrupt()
    assert voice.stops == 1


def test_volume_steps_are_bounded_and_announced(guide, voice):
    guide.toggle()
    for _ in range(5):
        guide.louder()
    assert guide.volume == 1.0 and voice.said[-1][2] == 1.0
    assert voice.texts[-1] == "Volume 100 %"
    for _ in range(20):
        guide.softer()
    assert guide.volume == 0.2  # never silent by accident


def test_off_is_silent_and_forgets(guide, voice):
    guide.toggle()
    guide.focused("Terminer")
    count = len(voice.said)
    guide.off()
    guide.repeat()
    guide.focused("Explorer")
    assert len(voice.said) == count and guide.last == ""


def test_the_next_shopper_starts_at_the_default_volume(guide):
    default = guide.volume
    guide.toggle()
    guide.louder()
    assert guide.volume > default
    guide.off()
    assert guide.volume == default


def test_espeak_ng_speaks_french_and_english_into_a_wav_file(tmp_path):
    """Smoke test of the real voice (espeak-ng via pyttsx3): a file of plausible length."""
    from kiosk.speech.engine import EspeakEngine

    engine = EspeakEngine()
    try:
        for lang, text in (("fr", "La collection. Escarpins Vendôme, 450 euros."), ("en", "The collection.")):
            path = engine.save(text, lang, tmp_path / f"{lang}.wav")
            with wave.open(str(path)) as wav:
                seconds = wav.getnframes() / wav.getframerate()
            assert 0.5 < seconds < 10, (lang, seconds)
    finally:
        engine.close()
