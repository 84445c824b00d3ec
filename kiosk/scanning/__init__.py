"""Scanning, without Kivy: camera frames in (frames), codes out (decode), what they are (classify).

    from kiosk.scanning.decode import decode
    from kiosk.scanning.classify import classify
    from kiosk.scanning.frames import CallbackSource, DecodeLoop
"""
