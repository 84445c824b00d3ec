"""kiosk/layout.py: the metrics a window size gives, without a window."""

from __future__ import annotations

import pytest

from kiosk.layout import MIN_TOUCH_DP, fit_window, make_layout


def test_the_reference_window_keeps_the_design_as_drawn():
    for size in ((1080, 1920), (1920, 1080)):
        layout = make_layout(*size)
        assert layout.unit == 1.0
        assert not layout.compact
        assert layout.dp(40) == 40


def test_a_4k_totem_doubles_type_and_spacing():
    layout = make_layout(2160, 3840)
    assert layout.unit == 2.0
    assert layout.touch() == 112


@pytest.mark.parametrize("size", [(480, 800), (800, 480), (800, 1280), (1366, 768)])
def test_small_windows_keep_touch_targets_at_48_physical_dp(size):
    layout = make_layout(*size)
    assert layout.touch() >= MIN_TOUCH_DP
    assert layout.unit >= 0.75  # text is not shrunk past legibility; the layouts compact instead


def test_density_raises_the_floor():
    assert make_layout(480, 800, density=2.0).min_touch == 96
    assert make_layout(480, 800, density=2.0).unit == 1.5


def test_narrow_windows_are_compact():
    assert make_layout(480, 800).compact
    assert make_layout(800, 480).compact
    assert not make_layout(800, 1280).compact


def test_columns_follow_the_width():
    assert make_layout(1080, 1920).cols(300) == 3
    assert make_layout(2160, 3840).cols(300) == 3  # the same design, twice the pixels
    assert make_layout(1920, 1080).cols(300) == 6
    assert make_layout(480, 800).cols(300) == 2


def test_image_sizes_are_rounded_up_to_a_step():
    assert make_layout(1080, 1920).image_px(300, 375) == (320, 384)


def test_a_window_fits_any_screen():
    assert fit_window((1366, 768), portrait=True) == (397, 706)
    w, h = fit_window((800, 1280), portrait=True)
    assert w <= 800 and h <= 1280 and abs(w / h - 9 / 16) < 0.01
    w, h = fit_window((1920, 1080), portrait=False)
    assert w <= 1920 and h <= 1080


def test_nonsense_sizes_are_refused_with_the_size():
    with pytest.raises(ValueError, match="0x800"):
        make_layout(0, 800)


# The sizes of test_layout_screens.py, the short landscape tablets, and a short one at density 2.
SCREEN_SIZES = [(480, 800), (800, 1280), (1080, 1920), (2160, 3840),
                (800, 480), (1280, 800), (1920, 1080), (3840, 2160)]
BESIDE = [(800, 480), (1024, 552), (1024, 600), (1600, 960, 2.0)]
UNDER = [size for size in SCREEN_SIZES if size not in BESIDE]


def search_card(layout) -> float:
    """search.kv's result card when the keys are under the results (a gutter each side)."""
    return layout.card_height(230, layout.dp(64), layout.width - 2 * layout.gutter, 3)


def search_taken(layout) -> float:
    """What search.kv stacks with its results when the keys are under them, at normal text size."""
    bar = layout.touch() + layout.dp(8) + 2 * layout.dp(12)  # the landscape top bar: one row
    field = layout.dp(24) + layout.dp(72) + layout.dp(16 + 28 + 16)
    keys = 5 * layout.touch() + layout.dp(24)
    return bar + field + keys


@pytest.mark.parametrize("size", BESIDE, ids=str)
def test_a_short_landscape_window_lays_the_keyboard_beside_the_results(size):
    layout = make_layout(*size)
    assert layout.height - search_taken(layout) < search_card(layout)  # under: not one whole card
    assert layout.keyboard_beside(search_card(layout), search_taken(layout))
    width = layout.side_keyboard_width(10)
    assert width / 10 >= layout.min_touch  # each key still a 48 dp target
    assert layout.width - width >= 0.3 * layout.width  # the results keep a real share of the row


@pytest.mark.parametrize("size", UNDER, ids=str)
def test_portrait_and_larger_landscape_windows_keep_the_keyboard_under_the_results(size):
    layout = make_layout(*size)
    assert not layout.keyboard_beside(search_card(layout), search_taken(layout))


def test_the_rule_is_one_whole_card_row_under_the_keys():
    layout = make_layout(1280, 800)
    room = 800 - 500  # the results' height under the keys when 500 px are taken
    assert not layout.keyboard_beside(card=room, taken=500)
    assert layout.keyboard_beside(card=room + 1, taken=500)
    assert not make_layout(800, 1280).keyboard_beside(card=10_000, taken=1_000)  # portrait: never


def test_a_card_is_a_column_wide_4_to_5_photo_and_its_caption():
    layout = make_layout(1024, 600)  # unit 0.75: 230 dp cards are 172.5 px, five across 988 px
    assert layout.card_height(230, 48, 988, 3) == pytest.approx(988 / 5 * 1.25 + 48)
    assert layout.card_height(230, 48, 300, 3) == pytest.approx(100 * 1.25 + 48)  # never under 3 columns


def test_the_side_keyboard_is_no_wider_than_its_keys_need():
    assert make_layout(800, 480).side_keyboard_width(10) == 480
    assert make_layout(800, 480).side_keyboard_width(9) == 432
    with pytest.raises(ValueError, match="got 0"):
        make_layout(800, 480).side_keyboard_width(0)
