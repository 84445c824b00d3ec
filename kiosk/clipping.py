"""Clipping without the stencil buffer, which software GL pays for in full-window passes.

Kivy clips a StencilView (RecycleView, ScrollView, ScreenManager) by drawing its
rectangle into the stencil buffer before and after its children, and a stencil push at
the outer level clears the whole window's stencil first. On llvmpipe at 2160x3840 the
browse screen's stencils cost about as much as its twelve photos. A widget that lies
inside the window, unrotated, can be clipped by a GL scissor rectangle instead, or not
at all when nothing it draws reaches outside it.

    drop_stencil(screen_manager)     # its screens never slide out of it
"""

from __future__ import annotations

from kivy.graphics import StencilPop, StencilPush, StencilUnUse, StencilUse
from kivy.graphics.instructions import InstructionGroup
from kivy.graphics.texture import Texture
from kivy.uix.widget import Widget

OPENS = (StencilPush, StencilUnUse)  # the rectangle drawn into the stencil follows these
CLOSES = (StencilUse, StencilPop)


def drop_stencil(widget: Widget) -> int:
    """Remove the stencil instructions (and the rectangles they draw) from widget's canvases.

    Returns how many stencil instructions were removed. Call it once the widget's kv rules
    are applied (on_kv_post): they are what adds the instructions.
    """
    removed = 0
    for group in (widget.canvas.before, widget.canvas, widget.canvas.after):
        removed += _drop(group)
    return removed


def _drop(group: InstructionGroup) -> int:
    removed, inside = 0, False
    for instruction in list(group.children):
        if isinstance(instruction, OPENS + CLOSES):
            group.remove(instruction)
            removed += 1
            inside = isinstance(instruction, OPENS)
        elif inside and instruction in group.children and type(instruction).__name__ != "BindTexture":
            # A vertex instruction removes the BindTexture it added along with itself.
            group.remove(instruction)
    return removed


def cover_coords(texture: Texture, box: tuple[float, float]) -> tuple[float, ...]:
    """Texture coordinates showing the centre of texture cropped to box's shape (fit "cover").

    Drawing the texture over the whole box with these needs no clipping, unlike an image
    drawn larger than its box and clipped.
    """
    width, height = texture.size
    box_w, box_h = box
    if width <= 0 or height <= 0 or box_w <= 0 or box_h <= 0:
        return tuple(texture.tex_coords)
    scale = max(box_w / width, box_h / height)
    show_u, show_v = box_w / (width * scale), box_h / (height * scale)  # fractions of the texture shown
    (u, v), (du, dv) = texture.uvpos, texture.uvsize
    u0, u1 = u + du * (1 - show_u) / 2, u + du * (1 + show_u) / 2
    v0, v1 = v + dv * (1 - show_v) / 2, v + dv * (1 + show_v) / 2
    return (u0, v0, u1, v0, u1, v1, u0, v1)
