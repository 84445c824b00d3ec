"""Vitrine's offline-first store bridge: outbox, sync with HQ, POS intake.

    from bridge import Bridge
    bridge = Bridge.open("config.toml")
    bridge.record("search_performed", device_id="kiosk-1",
                  payload={"query": "escarpins", "results_count": 12})
"""

from __future__ import annotations

__all__ = ["Bridge"]


def __getattr__(name: str):
    # Lazy so that `import bridge.config` stays cheap and import cycles cannot form.
    if name == "Bridge":
        from bridge.facade import Bridge

        return Bridge
    raise AttributeError(name)
