"""The kiosk's screens: one .py + .kv pair each, registered here.

Each entry is (screen name, module, class name); the module's .kv file has the
same basename and is loaded by kiosk/app.py before the class is instantiated.
"""

from __future__ import annotations

SCREENS: list[tuple[str, str, str]] = [
    ("attract", "kiosk.screens.attract", "AttractScreen"),
    ("browse", "kiosk.screens.browse", "BrowseScreen"),
    ("search", "kiosk.screens.search", "SearchScreen"),
    ("product", "kiosk.screens.product", "ProductScreen"),
    ("selection", "kiosk.screens.selection", "SelectionScreen"),
    ("for_you", "kiosk.screens.for_you", "ForYouScreen"),
    ("scan", "kiosk.screens.scan", "ScanScreen"),
    ("staff_pin", "kiosk.screens.staff_pin", "StaffPinScreen"),
    ("staff", "kiosk.screens.staff", "StaffScreen"),
    ("pair", "kiosk.screens.pair", "PairScreen"),
]
