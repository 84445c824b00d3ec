"""The kiosk's plain-Python logic: session, idle timer, identity, staff access, stock texts,
data access. No Kivy here (tests/test_layering.py checks), so all of it is tested without a window.
"""
