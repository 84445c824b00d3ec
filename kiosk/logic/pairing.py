"""A new kiosk configures itself from its store bridge's pairing QR: read, check, write.

    code = read_code(qr_text)           # PairingError when forged, odd or expired
    pair(config_path, code)             # the three steps below, then the record forgotten:
    begun = begin(config_path, code)    # a record of the pairing and its swap request id (0600)
    code = redeem(code, begun.request_id)  # the QR's token swapped for the device's own, checked
    write_config(config_path, code)     # [hq] url + token_file (mode 0600), [kiosk] device_id

A kiosk that dies between the swap and the config finds the record on restart
(`in_progress`) and `finish`es it: the store bridge swaps again for the same request id
(the token it gave first is replaced), never for another (a photo of the QR replayed).

The QR is made by bridge.serve.pairing: {"vitrine_pair": 1, "name", "url", "token", "exp"}.
Plain Python (no Kivy): the pair screen (kiosk/screens/pair.py) runs these off the UI thread.
Each PairingError carries an English msgid for the screen (translated there) and a detail
naming the field or the answer, for staff and the log.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from bridge.config import Settings, load_settings, parse_settings
from bridge.errors import VitrineError

VERSION = 1
FIELDS = frozenset({"vitrine_pair", "name", "url", "token", "exp"})
MAX_TEXT = 1024
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # bridge.store.devices.NAME_RE
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,256}")  # secrets.token_urlsafe(32) makes 43 of these
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # bridge.store.devices.REQUEST_ID_RE
# A store bridge gives 15 minutes; a kiosk whose clock runs late may see more, never days.
MAX_AHEAD_S = 24 * 3600
CHECK_TIMEOUT_S = 8.0
SWAP_REQUEST_HEADER = "Swap-Request-Id"  # bridge.serve.auth: the same swap may be asked again

log = logging.getLogger("kiosk.pairing")

NOT_A_CODE = "This is not a Vitrine pairing code."
NEWER = "This pairing code was made by a newer Vitrine. Update this screen first."
INVALID = "This pairing code is damaged or forged. Make a new one on the store bridge."
EXPIRED = ("This pairing code has expired (or this screen's clock is wrong). "
           "Make a new one on the store bridge.")
UNREACHABLE = "The store bridge cannot be reached. Check the network and try again."
REFUSED = "The store bridge refused this code. Make a new one on the store bridge."
UNEXPECTED = "The address in this code does not answer like a store bridge."
NOT_WRITTEN = "This screen's configuration could not be written."
STILL_PENDING = ("This screen still has events to send as {device}. Pair it again under that name, "
                 "or wait until they have reached the store.")


class PairingError(VitrineError):
    """A pairing that cannot go on: msgid for the screen, detail for staff and the log."""

    def __init__(self, msgid: str, detail: str = "", **params: str) -> None:
        text = msgid.format(**params)
        super().__init__(f"{text} ({detail})" if detail else text)
        self.msgid = msgid
        self.detail = detail
        self.params = params  # filled into the translated msgid


@dataclass(frozen=True)
class PairCode:
    """What a pairing QR holds, checked."""

    name: str
    url: str
    token: str
    exp: int

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"PairCode(name={self.name!r}, url={self.url!r}, exp={self.exp})"


def needs_pairing(settings: Settings) -> bool:
    """True when the kiosk has no token for its store bridge or HQ: it cannot sync at all."""
    return not (settings.hq.token or settings.hq.token_file)


def starts_on_pair_screen(settings: Settings) -> bool:
    """True when the kiosk cannot sync yet, or a pairing it began before it stopped is to be finished."""
    begun = not settings.source.startswith("<") and in_progress(settings.source) is not None
    return needs_pairing(settings) or begun


def read_code(text: str, now: float | None = None) -> PairCode:
    """The pairing code in a QR's text; PairingError naming the field when it is not one."""
    if len(text) > MAX_TEXT or not text.lstrip().startswith("{"):
        raise PairingError(NOT_A_CODE)
    try:
        data = json.loads(text)
    except ValueError:
        raise PairingError(NOT_A_CODE, "not JSON") from None
    if not isinstance(data, dict) or "vitrine_pair" not in data:
        raise PairingError(NOT_A_CODE, "no vitrine_pair")
    version = data["vitrine_pair"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PairingError(INVALID, f"vitrine_pair: expected 1, got {version!r}"[:120])
    if version > VERSION:
        raise PairingError(NEWER, f"vitrine_pair: {version}")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise PairingError(INVALID, f"{unknown[0][:40]}: unknown field")
    code = PairCode(_name(data.get("name")), _url(data.get("url")), _token(data.get("token")),
                    _exp(data.get("exp")))
    moment = time.time() if now is None else now
    if code.exp <= moment:
        raise PairingError(EXPIRED, f"exp: {time.strftime('%Y-%m-%d %H:%M', time.localtime(code.exp))}")
    if code.exp > moment + MAX_AHEAD_S:
        raise PairingError(INVALID, "exp: more than a day ahead")
    return code


def _name(value: Any) -> str:
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise PairingError(INVALID, "name: 1-64 letters, digits, '.', '_' or '-'")
    return value


def _url(value: Any) -> str:
    """An http(s) URL of a host, without credentials, query or fragment."""
    if not isinstance(value, str) or len(value) > 300 or not value.isprintable() or " " in value:
        raise PairingError(INVALID, "url: not a URL")
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        raise PairingError(INVALID, "url: bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PairingError(INVALID, "url: must be http:// or https:// and name a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise PairingError(INVALID, "url: no user, password, query or fragment")
    return value.rstrip("/")


def _token(value: Any) -> str:
    if not isinstance(value, str) or not TOKEN_RE.fullmatch(value):
        raise PairingError(INVALID, "token: 32-256 letters, digits, '-' or '_'")
    return value


def _exp(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise PairingError(INVALID, "exp: required (Unix seconds)")
    return value


def check_pending(status: dict, device_id: str, code: PairCode) -> None:
    """PairingError when events still wait to leave under another device id than the code's.

    The store bridge would refuse them from the new token (that id belongs to the old one),
    so they would wait forever; checked before the code's token is spent.
    """
    waiting = (status.get("pending") or 0) + (status.get("in_flight") or 0)
    if waiting and device_id != code.name:
        raise PairingError(STILL_PENDING, f"{waiting} events as {device_id}, the code is for {code.name}",
                           device=device_id)


def redeem(code: PairCode, request_id: str | None = None, timeout_s: float = CHECK_TIMEOUT_S) -> PairCode:
    """The code with the device's own token: swapped at the store bridge, then checked.

    POST /v1/devices/token spends the QR's token (a photo of the code is worth nothing once
    this screen paired) and answers a new one; GET /v1/keys with it proves it works. With the
    request_id of an earlier swap of the same code, the store bridge swaps again.
    """
    extra = {SWAP_REQUEST_HEADER: request_id} if request_id else {}
    answer = _call("POST", code.url + "/v1/devices/token", code.token, timeout_s, extra)
    fresh = answer.get("token") if isinstance(answer, dict) else None
    if not isinstance(fresh, str) or not TOKEN_RE.fullmatch(fresh) or answer.get("device_id") != code.name:
        raise PairingError(UNEXPECTED, "POST /v1/devices/token: no token for this device")
    keys = _call("GET", code.url + "/v1/keys", fresh, timeout_s)
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise PairingError(UNEXPECTED, "GET /v1/keys: not a key set")
    return replace(code, token=fresh)


def _call(method: str, url: str, token: str, timeout_s: float, headers: dict[str, str] | None = None) -> Any:
    """The JSON of a 200 answer; PairingError saying why otherwise."""
    try:
        # No redirects: the bearer token goes to the address in the code and nowhere else.
        answer = requests.request(method, url, headers={"Authorization": f"Bearer {token}", **(headers or {})},
                                  timeout=timeout_s, allow_redirects=False)
    except requests.RequestException as exc:
        raise PairingError(UNREACHABLE, f"{url}: {type(exc).__name__}") from None
    with answer:
        # 409: swapped already by another request; 410: too late to swap again
        if answer.status_code in (401, 403, 409, 410):
            raise PairingError(REFUSED, f"{answer.status_code}: {_error_of(answer)}"[:300])
        if answer.status_code != 200:
            raise PairingError(UNEXPECTED, f"{method} {url}: {answer.status_code}")
        try:
            return answer.json()
        except ValueError:
            raise PairingError(UNEXPECTED, f"{method} {url}: not JSON") from None


def _error_of(answer: requests.Response) -> str:
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        error = None
    return error if isinstance(error, str) else answer.reason or ""


# -- a pairing in progress ---------------------------------------------------------------

@dataclass(frozen=True)
class Begun:
    """A pairing begun on this kiosk: the code read and the id of its swap request."""

    code: PairCode
    request_id: str

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"Begun({self.code!r})"


def progress_path(config: str | os.PathLike[str]) -> Path:
    """Where a pairing in progress is recorded: next to the config, readable by its owner only."""
    config = Path(config)
    return config.with_name(f"{config.stem}.pairing")


def begin(config: str | os.PathLike[str], code: PairCode) -> Begun:
    """Record (durably, mode 0600) that code is being paired, before its token is swapped.

    The same code read again keeps its request id: its swap may have happened already.
    """
    earlier = in_progress(config)
    if earlier is not None and earlier.code == code:
        return earlier
    begun = Begun(code, secrets.token_urlsafe(24))
    record = {"vitrine_pairing": 1, "name": code.name, "url": code.url, "token": code.token,
              "exp": code.exp, "request_id": begun.request_id}
    try:
        atomic_write(progress_path(config), json.dumps(record).encode("utf-8"), mode=0o600)
    except OSError as exc:
        raise PairingError(NOT_WRITTEN, f"{progress_path(config)}: {exc.strerror or exc}") from None
    return begun


def in_progress(config: str | os.PathLike[str], now: float | None = None) -> Begun | None:
    """The pairing begun and not finished on this kiosk, or None.

    A damaged record is dropped, and so is one whose code has expired: the store bridge
    swaps no more for it, and a paired kiosk would otherwise open on the pair screen forever.
    """
    path = progress_path(config)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        code = PairCode(_name(record["name"]), _url(record["url"]), _token(record["token"]), _exp(record["exp"]))
        request_id = record["request_id"]
        if not isinstance(request_id, str) or not REQUEST_ID_RE.fullmatch(request_id):
            raise ValueError("request_id")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, PairingError) as exc:
        log.warning("kiosk: %s: not a pairing in progress (%s): dropped", path, type(exc).__name__)
        path.unlink(missing_ok=True)
        return None
    if code.exp <= (time.time() if now is None else now):
        log.warning("kiosk: %s: the pairing of %s was not finished before its code expired: dropped",
                    path, code.name)
        path.unlink(missing_ok=True)
        return None
    return Begun(code, request_id)


def finish(config: str | os.PathLike[str], begun: Begun, timeout_s: float = CHECK_TIMEOUT_S) -> Settings:
    """Swap the code's token (again, if this request did before), write the config, forget the record.

    Refused by the store bridge (the code spent by another request, or too late): the record
    is forgotten too, and the screen must be paired with a new code. Unreachable: kept.
    """
    try:
        settings = write_config(config, redeem(begun.code, begun.request_id, timeout_s))
    except PairingError as exc:
        if exc.msgid == REFUSED:
            progress_path(config).unlink(missing_ok=True)
        raise
    progress_path(config).unlink(missing_ok=True)
    return settings


def pair(config: str | os.PathLike[str], code: PairCode, timeout_s: float = CHECK_TIMEOUT_S) -> Settings:
    """Pair this kiosk with code: begin, swap, write the config; a restart can finish it (finish)."""
    return finish(config, begin(config, code), timeout_s)


# -- the kiosk's config file ------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def token_path(config: Path) -> Path:
    """Where the token of config lives: next to it, readable by its owner only."""
    return config.with_name(f"{config.stem}.hq-token")


def write_config(config: str | os.PathLike[str], code: PairCode) -> Settings:
    """Point the kiosk's config at the code's bridge; return the settings it now gives.

    Written: [hq] url, token_file (the token itself in a mode-0600 file beside the config),
    allow_insecure_http for plain HTTP to another machine, and [kiosk] device_id = the code's
    name. Every other line of the file is kept. Both files are replaced atomically, and the
    config only after its new text was checked, so a failure leaves the old pairing working.
    """
    path = Path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PairingError(NOT_WRITTEN, f"{path}: {exc.strerror or exc}") from None
    secret = token_path(path)
    hq = {"url": code.url, "token": None, "token_file": secret.name,
          "allow_insecure_http": True if _needs_insecure(code.url) else None}
    edited = set_keys(set_keys(text, "hq", hq), "kiosk", {"device_id": code.name})
    settings = _checked(path, edited, code)
    try:
        atomic_write(secret, code.token.encode("ascii"), mode=0o600)
        atomic_write(path, edited.encode("utf-8"), mode=path.stat().st_mode & 0o777)
        written = load_settings(path)
    except (OSError, VitrineError) as exc:
        raise PairingError(NOT_WRITTEN, f"{path}: {exc}") from None
    if written.hq_token() != code.token:
        raise PairingError(NOT_WRITTEN, f"{path}: [hq] token_file does not give the new token")
    return settings


def _needs_insecure(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return url.startswith("http://") and host not in ("localhost", "127.0.0.1", "::1")


def _checked(path: Path, text: str, code: PairCode) -> Settings:
    """The settings the edited text gives; PairingError when it is not what was meant."""
    try:
        settings = parse_settings(tomllib.loads(text), source=str(path))
    except (tomllib.TOMLDecodeError, VitrineError) as exc:
        raise PairingError(NOT_WRITTEN, f"{path}: {exc}") from None
    if (settings.hq.url, settings.hq.token, settings.kiosk.device_id) != (code.url, "", code.name):
        raise PairingError(NOT_WRITTEN, f"{path}: [hq] or [kiosk] could not be edited in place")
    return settings


def set_keys(text: str, table: str, values: dict[str, object | None]) -> str:
    """text with keys of [table] set (None: removed); other lines untouched.

    Single-line values only; the caller re-parses the result to make sure.
    """
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if (m := _HEADER.match(line)) and m.group(1) == table), None)
    if start is None:
        added = [f"{k} = {toml_value(v)}" for k, v in values.items() if v is not None]
        return "\n".join([*lines, "", f"[{table}]", *added]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    kept = [line for line in lines[start + 1:end]
            if not ((m := _KEY.match(line)) and m.group(1) in values)]
    added = [f"{k} = {toml_value(v)}" for k, v in values.items() if v is not None]
    return "\n".join([*lines[:start + 1], *added, *kept, *lines[end:]]) + "\n"


def toml_value(value: object) -> str:
    """A TOML literal for a bool or a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(str(value), ensure_ascii=False)  # JSON's escapes are TOML basic-string escapes


def atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Replace path with data (file mode `mode`) so a crash leaves the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        try:
            os.fchmod(fd, mode)  # O_CREAT's mode is cut by the umask; this one is not
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself reaches the disk
    finally:
        os.close(folder)
