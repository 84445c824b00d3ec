"""Audio guidance: the kiosk reads itself out, since Kivy has no screen-reader support.

- engine.py: the voice (espeak-ng through pyttsx3), behind a two-method SpeechEngine.
- guide.py: what to say and when (screen titles, focused item, prices, stock, results),
  repeat, interrupt and volume; no Kivy, testable with any SpeechEngine.
- describe.py: the words for a widget or a screen of the running app.
"""
