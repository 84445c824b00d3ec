"""The staff screen's store rows: a revoked token says so; the store bridge's devices listed."""

from __future__ import annotations

from kiosk.i18n import load_translations
from kiosk.logic.store_devices import device_rows, token_row


def _tr(lang: str):
    return load_translations(lang).gettext


def test_a_revoked_token_says_so_in_french_and_english():
    status = {"auth_failed": True, "last_error": "HTTP 401: Authorization: the token of device 'k' was revoked"}
    assert token_row(status, _tr("en")) == ("Store token", "revoked by the store bridge: pair this kiosk again", True)
    assert token_row(status, _tr("fr"))[1].startswith("révoqué par le serveur du magasin")
    refused = {"auth_failed": True, "last_error": "HTTP 401: unknown token"}
    assert token_row(refused, _tr("en"))[1] == "refused: check the token"
    assert token_row({}, _tr("en"))[2] is False


def test_devices_are_listed_with_last_contact_and_waiting_events():
    devices = [{"device_id": "kiosk-2", "kind": "kiosk", "last_seen_at": None, "pending": 3, "revoked": False},
               {"device_id": "kiosk-3", "kind": "kiosk", "last_seen_at": None, "pending": None, "revoked": True}]
    rows = device_rows(devices, _tr("fr"))
    assert rows[0] == ("Appareils du magasin", "2", False)
    assert rows[1] == ("kiosk-2", "jamais, 3 en attente", False)
    assert rows[2] == ("kiosk-3", "révoqué", True)
    assert device_rows(None, _tr("en")) == []
