"""What a new kiosk needs to join its store bridge: the URL and its token, as text and as a QR.

The QR holds a small JSON object, {"vitrine_pair": 1, "name", "url", "token", "exp"}, which
a new kiosk reads with its camera (`vitrine-kiosk --pair`) and a technician's phone can read;
the same values go into the kiosk's config as `[hq] url`, `[hq] token` and `[kiosk] device_id`.
`exp` (Unix seconds) is when the token is refused unless used first
(bridge.store.devices.PAIR_TTL_S): a photo of the QR is worth nothing once it passed. `vitrine-bridge pair` and the staff screen of the store bridge's
own kiosk ("Pair a new screen") both mint through `pair_device`:

    paired = pair_device(bridge.db, bridge.settings, next_device_name(bridge.db, bridge.settings))
    paired.text   # what the QR encodes
"""

from __future__ import annotations

import io
import json
import socket
from datetime import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.errors import VitrineError
from bridge.store import devices


@dataclass(frozen=True)
class Pairing:
    """A freshly minted device token and where the device reaches its store bridge."""

    name: str
    kind: str
    url: str
    token: str
    expires: int  # Unix seconds: the token is refused unless first used by then

    @property
    def text(self) -> str:
        """The QR's content."""
        return pairing_text(self.name, self.url, self.token, self.expires)

    @property
    def expires_at(self) -> str:
        """The expiry as local time, for people."""
        return datetime.fromtimestamp(self.expires).strftime("%H:%M")


def pair_device(db: Any, settings: Settings, name: str, kind: str = "kiosk",
                ttl_s: float = devices.PAIR_TTL_S) -> Pairing:
    """Mint a token for name on this store bridge; VitrineError when [serve] is not enabled."""
    if not settings.serve.enabled:
        raise VitrineError("this bridge does not serve its store: set [serve] enabled = true")
    token = devices.pair(db, name, kind, ttl_s)
    expiry = devices.expires_at(db, name)
    expires = int(datetime.fromisoformat(expiry.replace("Z", "+00:00")).timestamp()) if expiry else 0
    return Pairing(name, kind, store_url(settings), token, expires)


def next_device_name(db: Any, settings: Settings, prefix: str = "kiosk") -> str:
    """The first "<prefix>-<n>" (n from 1) no device holds yet.

    Taken: every name of the registry, every client of [serve.tokens] and [serve] token_file
    (which may not have called yet), and this machine's own [kiosk] device_id: two devices
    sharing a name would number their events as one.
    """
    taken = {d.name for d in devices.list_devices(db)} | set(settings.serve_tokens())
    taken.add(settings.kiosk.device_id)
    n = 1
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


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


def pairing_text(name: str, url: str, token: str, expires: int) -> str:
    """The QR's content."""
    return json.dumps({"vitrine_pair": 1, "name": name, "url": url, "token": token, "exp": expires},
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


def qr_modules(text: str, border: int = 4) -> list[list[bool]]:
    """The QR of text as rows of modules (True: dark), quiet zone included, for a screen to draw."""
    import qrcode

    qr = qrcode.QRCode(border=border)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()
