"""The HTTP client of HQ's profile API: one keep-alive session, a timeout on every call.

No retries here: callers (bridge.sync) decide what a failure means. Transport failures
(timeout, refused, reset) raise HQError; every HTTP answer comes back as an Answer.

    client = HQClient(settings)
    answer = client.post_events(gzip_body)
    answer.status, answer.json()
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from bridge.config import Settings
from bridge.errors import HQError, ResponseTooLarge

# An image larger than this is not cached: a wrong URL (a video, an archive) must not
# fill the memory or the disk of a kiosk box.
MAX_IMAGE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    """One HTTP answer from HQ."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not."""
        return json.loads(self.body)

    def reason(self, limit: int = 200) -> str:
        """A short description for logs and dead letters: HQ's error text if it gave one."""
        try:
            data = self.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return f"HTTP {self.status}: {data['error'][:limit]}"
        text = self.body[:limit].decode("utf-8", "replace").strip()
        return f"HTTP {self.status}" + (f": {text}" if text else "")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an absolute URL, default ports filled in, for same-origin checks."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a malformed port is no origin of ours
        port = -1
    return scheme, (parts.hostname or "").lower(), port


class HQClient:
    """Talks to `[hq] url` with the store's bearer token (re-read on every request).

    The token goes to HQ's origin only: an absolute URL elsewhere (a catalog image on a
    CDN) is fetched without it. requests drops the header itself on a redirect to
    another host.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base_url = settings.hq.url.rstrip("/") + "/"
        self.origin = origin(self.base_url)
        self.timeout = settings.hq.timeout_s
        self.session = requests.Session()
        self.session.verify = settings.hq.verify_tls
        self.session.headers["User-Agent"] = "vitrine-bridge/0.1"

    def url(self, path: str) -> str:
        """An absolute URL for a path relative to the base URL (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def _request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                 max_bytes: int | None = None, **kwargs: Any) -> Answer:
        url = self.url(path)
        all_headers = {}
        if origin(url) == self.origin:
            all_headers["Authorization"] = f"Bearer {self.settings.hq_token()}"
        all_headers.update(headers or {})
        try:
            resp = self.session.request(method, url, headers=all_headers, timeout=self.timeout,
                                        stream=max_bytes is not None, **kwargs)
            body = resp.content if max_bytes is None else _read_at_most(resp, max_bytes, url)
        except requests.Timeout as exc:
            raise HQError(f"HQ timed out after {self.timeout:g}s: {method} {url}") from exc
        except requests.RequestException as exc:
            raise HQError(f"HQ unreachable: {method} {url}: {_short(exc)}") from exc
        return Answer(resp.status_code, body, {k.lower(): v for k, v in resp.headers.items()})

    def post_events(self, body: bytes) -> Answer:
        """POST an already gzip-compressed batch to /v1/events."""
        return self._request("POST", "v1/events", data=body, headers={
            "Content-Type": "application/json", "Content-Encoding": "gzip"})

    def get_catalog(self, since: str | None, limit: int = 500) -> Answer:
        return self._request("GET", "v1/catalog", params=_page(since, limit))

    def get_stock(self, since: str | None, limit: int = 500) -> Answer:
        return self._request("GET", "v1/stock", params=_page(since, limit))

    def get_keys(self) -> Answer:
        return self._request("GET", "v1/keys")

    def get_profile(self, profile_id: str) -> Answer:
        return self._request("GET", f"v1/profiles/{requests.utils.quote(profile_id, safe='')}")

    def get_devices(self) -> Answer:
        """The devices a store bridge serves (404 from HQ, which is not one)."""
        return self._request("GET", "v1/devices")

    def get_image(self, url: str, etag: str | None) -> Answer:
        """GET an image, conditional on the ETag we hold (304 when unchanged)."""
        return self._request("GET", url, headers={"If-None-Match": etag} if etag else None,
                             max_bytes=MAX_IMAGE_BYTES)

    def post_heartbeat(self, data: dict) -> Answer:
        return self._request("POST", "v1/heartbeats", json=data)

    def close(self) -> None:
        self.session.close()


def _read_at_most(resp: requests.Response, max_bytes: int, url: str) -> bytes:
    """The streamed body, or ResponseTooLarge as soon as it passes max_bytes."""
    chunks, size = [], 0
    try:
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"GET {url}: larger than {max_bytes} bytes; not downloaded")
            chunks.append(chunk)
    finally:
        resp.close()
    return b"".join(chunks)


def _page(since: str | None, limit: int) -> dict[str, str]:
    params = {"limit": str(limit)}
    if since:
        params["since"] = since
    return params


def _short(exc: Exception) -> str:
    """The innermost reason of a requests error, without urllib3's long repr."""
    text = str(exc)
    for marker in ("Caused by ", "] "):
        if marker in text:
            text = text.rsplit(marker, 1)[-1]
    return text.strip("()'\" ")[:200] or type(exc).__name__
