"""Pair a new screen: on a kiosk whose own bridge serves the store, staff mint a device token
and show its QR (the URL and token `vitrine-bridge pair` prints) for the new kiosk to read.

The token lives only in the open panel: dismissing it (or leaving staff mode, which
dismisses it) forgets the token, the text and the QR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.app import App
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.screens.staff_panel import StaffPanel

if TYPE_CHECKING:
    from bridge.serve.pairing import Pairing

Builder.load_string("""
#:import Window kivy.core.window.Window

<PairingPanel>:
    title: app.tr('Pair a new screen', app.lang)
    StaffPanelText:
        id: pairing_device
        text: root.message or (app.tr('Device name: {name}', app.lang).format(name=root.device_name) if root.device_name else app.tr('Creating a token…', app.lang))
        markup: False
        font_name: app.theme.sans_medium
        font_size: app.theme.fs(18)
    Widget:
        id: pairing_qr
        size_hint_y: None
        # Square, as large as the panel allows but small enough for a short window.
        height: min(self.width, app.theme.dp(420), Window.height * 0.45)
        canvas:
            Color:
                rgba: 1, 1, 1, 1  # a QR reads dark on light whatever the theme
            Rectangle:
                texture: root.qr_texture
                size: (self.height, self.height) if root.qr_texture else (0, 0)
                pos: self.center_x - self.height / 2, self.y
    StaffPanelText:
        id: pairing_help
        text: app.tr("Put this URL and token under [hq] in the new kiosk's configuration (a phone can read them from the code). Closing this panel hides the token.", app.lang)
        color: app.theme.muted
    StaffPanelText:
        id: pairing_url
        text: 'url = "{}"\\ntoken = "{}"'.format(root.url, root.token) if root.token else root.url
        markup: False
        font_size: app.theme.fs(14)
""")


def qr_texture(text: str) -> Texture:
    """A texture of the QR of text, one pixel per module: drawn scaled up without smoothing."""
    # Imported here: bridge.serve loads the HTTP server's stack, which a kiosk rarely needs.
    from bridge.serve.pairing import qr_modules

    rows = qr_modules(text)
    size = len(rows)
    # Kivy textures start at the bottom row; a QR read upside down is still a valid QR, but
    # flipping keeps the image the right way up for anyone comparing it with the CLI's.
    pixels = bytes(0 if dark else 255 for row in reversed(rows) for dark in row)
    texture = Texture.create(size=(size, size), colorfmt="luminance")
    texture.blit_buffer(pixels, colorfmt="luminance", bufferfmt="ubyte")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture


class PairingPanel(StaffPanel):
    """The new device's name, its pairing QR and the URL; the token is forgotten on dismiss."""

    device_name = StringProperty("")
    url = StringProperty("")
    token = StringProperty("")
    payload = StringProperty("")  # exactly what the QR encodes (the CLI's pairing text)
    qr_texture = ObjectProperty(None, allownone=True)
    message = StringProperty("")  # why pairing failed
    closed = BooleanProperty(False)

    def show(self, paired: Pairing) -> None:
        self.device_name = paired.name
        self.url = paired.url
        self.token = paired.token
        self.payload = paired.text
        self.qr_texture = qr_texture(paired.text)

    def on_dismiss(self) -> None:
        self.closed = True
        self.device_name = self.url = self.token = self.payload = ""
        self.qr_texture = None


def open_pairing_panel() -> PairingPanel:
    """Open the panel and mint a token for a new kiosk off the UI thread; the panel is returned."""
    app = App.get_running_app()
    panel = PairingPanel()
    panel.open()

    def shown(paired: Pairing) -> None:
        if not panel.closed:  # a dismissed panel keeps no token
            panel.show(paired)

    def failed(exc: BaseException) -> None:
        panel.message = app.tr("Pairing failed: {error}", app.lang).format(error=exc)

    app.run_async(app.data.pair_new_kiosk, on_done=shown, on_error=failed)
    return panel
