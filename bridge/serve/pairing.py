"""What a new kiosk needs to join its store bridge: the URL and its token, as text and as a QR.

The QR holds a small JSON object, {"vitrine_pair": 1, "name", "url", "token"}, which a kiosk's
staff screen (or a technician's phone) reads; the same values go into the kiosk's config as
`[hq] url` and `[hq] token`.
"""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

from bridge.config import Settings


def store_url(settings: Settings) -> str:
    """The URL kiosks reach this store bridge at: [serve] public_url, else built from host and port."""
    if settings.serve.public_url:
        return settings.serve.public_url.rstrip("/")
    host = settings.serve.host
    if host in ("0.0.0.0", "::", ""):
        host = lan_address()
    return f"http://{host}:{settings.serve.port}"


def lan_address() -> str:
    """This machine's address on the LAN (the interface of its default route), or 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent by a UDP connect
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def pairing_text(name: str, url: str, token: str) -> str:
    """The QR's content."""
    return json.dumps({"vitrine_pair": 1, "name": name, "url": url, "token": token},
                      separators=(",", ":"))


def terminal_qr(text: str) -> str:
    """The QR of text drawn with block characters, for a terminal."""
    import qrcode

    qr = qrcode.QRCode(border=2)
    qr.add_data(text)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()


def save_qr_png(text: str, path: str | Path) -> Path:
    """Write the QR of text as a PNG file; return its path."""
    import qrcode

    path = Path(path)
    qrcode.make(text).save(path)
    return path
