"""The bridge's HTTP server: the tills' intake endpoints and, on a store bridge, profile API v1.

One uvicorn server (the stack HQ uses) in a thread of `vitrine-bridge run`, answering on the
[intake] address and, with `[serve] enabled`, on the [serve] address too:

- `POST /v1/intake/events`, `/v1/intake/receipts` with the [intake] token (registers, scripts);
- `GET /v1/intake/health`, `/healthz`: "ok" to anyone, the outbox counts to a token holder;
- with [serve]: `POST /v1/events`, `GET /v1/catalog`, `/v1/stock`, `/v1/keys`,
  `/v1/images/{name}`, `POST /v1/heartbeats`, `GET /v1/profiles/{id}` for the store's devices,
  each with its own token ([serve.tokens], [serve] token_file, or `vitrine-bridge pair`).

    server = BridgeServer(bridge); server.start(); server.port, server.serve_port; server.stop()
"""

from bridge.serve.server import BridgeServer

__all__ = ["BridgeServer"]
