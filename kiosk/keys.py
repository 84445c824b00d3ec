"""Key codes the kiosk answers to on a keyboard or keypad (Kivy/SDL numbering); no Kivy import,
so tests and docs can use them before a window exists. See kiosk/focus.py."""

from __future__ import annotations

TAB, ENTER, SPACE = 9, 13, 32
UP, DOWN, RIGHT, LEFT, PAGE_UP, PAGE_DOWN = 273, 274, 275, 276, 280, 281
F2, F3, F4 = 283, 284, 285
KP = {n: 256 + n for n in range(10)}  # keypad digits
KP_PERIOD, KP_MULTIPLY, KP_MINUS, KP_PLUS, KP_ENTER = 266, 268, 269, 270, 271

NEXT = {TAB, DOWN, RIGHT, KP[2], KP[6]}
PREVIOUS = {UP, LEFT, KP[8], KP[4]}
ACTIVATE = {ENTER, SPACE, KP_ENTER, KP[5]}
HANDLED = NEXT | PREVIOUS | ACTIVATE | {PAGE_UP, PAGE_DOWN, KP[3], KP[9], KP_MULTIPLY, F2, KP[0], F3,
                                        KP_PERIOD, F4, KP_PLUS, KP_MINUS}
