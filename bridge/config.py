"""Vitrine configuration: one TOML file parsed once into frozen settings.

Every default lives here, in the dataclasses below; config.example.toml mirrors
them and tests/test_config.py checks that the two agree.

    settings = load_settings("/etc/vitrine/config.toml")
    settings.hq.batch_size  # -> 500
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
import typing
import zoneinfo
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from bridge.errors import ConfigError
from bridge.secret_file import read_secret_file
from bridge.token_table import named_tokens, table_problem

ENV_VAR = "VITRINE_CONFIG"


@dataclass(frozen=True)
class StoreSettings:
    """The store this bridge and its kiosks belong to."""

    id: str = ""
    name: str = "Vitrine"
    currency: str = "EUR"
    timezone: str = "UTC"  # IANA name; POS times written without an offset are in this zone


@dataclass(frozen=True)
class BridgeSettings:
    """The local outbox and its sender."""

    id: str = ""
    database: str = "vitrine.db"
    synchronous: str = "FULL"
    image_cache_dir: str = ""
    retention_days: int = 7
    push_interval_s: float = 2.0
    pull_interval_s: float = 300.0
    heartbeat_interval_s: float = 60.0
    retention_interval_s: float = 3600.0


@dataclass(frozen=True)
class HQSettings:
    """The central profile API (see the contract)."""

    url: str = "http://127.0.0.1:8700"
    token: str = ""
    token_file: str = ""
    timeout_s: float = 10.0
    batch_size: int = 500
    max_batch_bytes: int = 1_048_576
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0
    retry_after_max_s: float = 3600.0
    verify_tls: bool = True
    allow_insecure_http: bool = False  # http:// to a non-loopback HQ: development only


@dataclass(frozen=True)
class IntakeSettings:
    """The LAN intake server and the POS drop folder."""

    host: str = "127.0.0.1"
    port: int = 8710
    token: str = ""  # shared by every till: they are one client, "intake"
    token_file: str = ""  # read once at load (restart to rotate); mode 600 required
    tokens: dict = field(default_factory=dict)  # till name -> its own bearer token
    tokens_file: str = ""  # `NAME TOKEN` lines, mode 600, re-read on every request
    max_body_bytes: int = 10_485_760
    drop_dir: str = ""
    drop_poll_s: float = 2.0
    drop_settle_s: float = 1.0
    max_file_bytes: int = 52_428_800


@dataclass(frozen=True)
class ServeSettings:
    """Profile API v1 served to the store's own kiosks and tills (a store bridge)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8720
    public_url: str = ""
    tokens: dict = field(default_factory=dict)  # client name -> bearer token
    token_file: str = ""
    request_timeout_s: float = 10.0
    max_connections: int = 500


@dataclass(frozen=True)
class KioskSettings:
    """The in-store touchscreen."""

    device_id: str = "kiosk-1"
    language: str = "fr"
    idle_timeout_s: float = 60.0
    countdown_s: float = 10.0
    handoff_url: str = "https://app.example.com/continue?h={handoff_id}&skus={skus}"
    claim_url: str = "https://app.example.com/claim/{claim_code}"
    staff_pin_hash: str = ""
    staff_max_tries: int = 5
    staff_lockout_s: float = 300.0
    staff_long_press_s: float = 3.0
    fullscreen: bool = True
    orientation: str = "auto"
    camera: str = "auto"
    large_text: bool = False
    high_contrast: bool = False
    low_reach: bool = False
    holdout_share: float = 0.10
    store_plan: str = ""


@dataclass(frozen=True)
class Settings:
    """All of Vitrine's settings; `source` is the file they came from."""

    store: StoreSettings = field(default_factory=StoreSettings)
    bridge: BridgeSettings = field(default_factory=BridgeSettings)
    hq: HQSettings = field(default_factory=HQSettings)
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    source: str = "<defaults>"

    @property
    def base_dir(self) -> Path:
        """Directory that relative paths in the file are resolved against."""
        if self.source.startswith("<"):
            return Path.cwd()
        return Path(self.source).resolve().parent

    def path(self, value: str) -> Path:
        """Resolve a path setting relative to the config file's directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def database_path(self) -> Path:
        return self.path(self.bridge.database)

    @property
    def image_cache_path(self) -> Path:
        if self.bridge.image_cache_dir:
            return self.path(self.bridge.image_cache_dir)
        return self.database_path.with_name(self.database_path.stem + "-images")

    def hq_token(self) -> str:
        """The store's HQ token; token_file is re-read on every call so a fixed token is picked up."""
        if self.hq.token_file:
            return read_secret_file(self.path(self.hq.token_file), "[hq] token_file", self.source)
        return self.hq.token

    def serve_tokens(self) -> dict[str, str]:
        """Client name -> token from [serve.tokens] and [serve] token_file (re-read on every call).

        The file holds one `NAME TOKEN` per line; blank lines and `#` comments are skipped.
        """
        path = self.path(self.serve.token_file) if self.serve.token_file else None
        return named_tokens(self.serve.tokens, path, "[serve] token_file", self.source)

    def intake_tokens(self) -> dict[str, str]:
        """Till name -> token from [intake.tokens] and [intake] tokens_file (re-read on every call)."""
        path = self.path(self.intake.tokens_file) if self.intake.tokens_file else None
        return named_tokens(self.intake.tokens, path, "[intake] tokens_file", self.source,
                            holders=self.shared_intake_token())

    def shared_intake_token(self) -> dict[str, str]:
        """{the shared [intake] token: its key}, or {} when there is none (no till may take it)."""
        return {self.intake.token: "[intake] token"} if self.intake.token else {}


SECTIONS = {f.name: f.type for f in fields(Settings) if f.name != "source"}
_SECTION_CLASSES = {
    "store": StoreSettings,
    "bridge": BridgeSettings,
    "hq": HQSettings,
    "intake": IntakeSettings,
    "serve": ServeSettings,
    "kiosk": KioskSettings,
}


def _check_type(source: str, key: str, value: object, expected: type) -> object:
    """Return value coerced to expected, or raise ConfigError naming the key."""
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise ConfigError(
            f"{source}: {key}: expected {expected.__name__}, got {type(value).__name__} {value!r}"
        )
    return value


def _build_section(source: str, name: str, table: object) -> object:
    cls = _SECTION_CLASSES[name]
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{source}: [{name}] {unknown[0]}: unknown key (known: {', '.join(sorted(known))})"
        )
    values = {k: _check_type(source, f"[{name}] {k}", v, hints[k]) for k, v in table.items()}
    return cls(**values)


def _known_zone(name: str) -> bool:
    """True when name is an IANA time zone this machine knows."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _loopback_url(url: str) -> bool:
    """True when url's host is this machine (127.0.0.0/8, ::1, localhost): nothing crosses a network."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _validate(s: Settings) -> None:
    """Cross-field checks; each error names the key."""
    src = s.source

    def need(cond: bool, key: str, msg: str) -> None:
        if not cond:
            raise ConfigError(f"{src}: {key}: {msg}")

    need(bool(s.store.id), "[store] id", "required (e.g. \"paris-marais\")")
    need(_known_zone(s.store.timezone), "[store] timezone",
         f"unknown time zone {s.store.timezone!r} (an IANA name like \"Europe/Paris\")")
    need(s.bridge.synchronous.upper() in {"OFF", "NORMAL", "FULL", "EXTRA"},
         "[bridge] synchronous", "must be one of OFF, NORMAL, FULL, EXTRA")
    need(s.bridge.retention_days >= 0, "[bridge] retention_days", "must be >= 0")
    for key in ("push_interval_s", "pull_interval_s", "heartbeat_interval_s", "retention_interval_s"):
        need(getattr(s.bridge, key) > 0, f"[bridge] {key}", "must be > 0")
    need(s.hq.url.startswith(("http://", "https://")), "[hq] url", "must start with http:// or https://")
    need(s.hq.url.startswith("https://") or s.hq.allow_insecure_http or _loopback_url(s.hq.url),
         "[hq] url", "plain http:// would send the store's token in clear: use https://, or set "
         "[hq] allow_insecure_http = true (development, or a store LAN you trust)")
    need(not (s.hq.token and s.hq.token_file), "[hq] token_file", "give token or token_file, not both")
    need(s.hq.timeout_s > 0, "[hq] timeout_s", "must be > 0")
    need(1 <= s.hq.batch_size <= 500, "[hq] batch_size", "must be between 1 and 500 (the contract's limit)")
    need(1024 <= s.hq.max_batch_bytes <= 1_048_576, "[hq] max_batch_bytes", "must be between 1024 and 1048576")
    need(0 < s.hq.backoff_base_s <= s.hq.backoff_max_s, "[hq] backoff_base_s", "must be > 0 and <= backoff_max_s")
    need(s.hq.retry_after_max_s >= s.hq.backoff_max_s, "[hq] retry_after_max_s", "must be >= backoff_max_s")
    need(0 <= s.intake.port <= 65535, "[intake] port", "must be between 0 and 65535")
    need(not (s.intake.token and s.intake.token_file), "[intake] token_file",
         "give token or token_file, not both")
    need(s.intake.max_body_bytes > 0, "[intake] max_body_bytes", "must be > 0")
    need(s.intake.max_file_bytes > 0, "[intake] max_file_bytes", "must be > 0")
    need(0 <= s.serve.port <= 65535, "[serve] port", "must be between 0 and 65535")
    need(s.serve.request_timeout_s > 0, "[serve] request_timeout_s", "must be > 0")
    need(s.serve.max_connections >= 1, "[serve] max_connections", "must be >= 1")
    _validate_tokens(s, "serve", s.serve.tokens)
    need(s.kiosk.language in {"fr", "en"}, "[kiosk] language", "must be \"fr\" or \"en\"")
    need(s.kiosk.idle_timeout_s > 0, "[kiosk] idle_timeout_s", "must be > 0")
    need(s.kiosk.countdown_s >= 0, "[kiosk] countdown_s", "must be >= 0")
    need(s.kiosk.orientation in {"auto", "portrait", "landscape"},
         "[kiosk] orientation", "must be auto, portrait or landscape")
    need(s.kiosk.staff_long_press_s > 0, "[kiosk] staff_long_press_s", "must be > 0")
    need(s.kiosk.staff_max_tries >= 1, "[kiosk] staff_max_tries", "must be >= 1")
    need("{handoff_id}" in s.kiosk.handoff_url, "[kiosk] handoff_url", "must contain {handoff_id}")
    need(0.0 <= s.kiosk.holdout_share <= 1.0, "[kiosk] holdout_share", "must be between 0 and 1")
    need("{claim_code}" in s.kiosk.claim_url, "[kiosk] claim_url", "must contain {claim_code}")


def _validate_tokens(s: Settings, section: str, table: dict, holders: dict[str, str] | None = None) -> None:
    """A [section.tokens] table: names, lengths, and no token held twice (or in holders)."""
    wrong = table_problem(table, holders)
    if wrong:
        raise ConfigError(f"{s.source}: [{section}.tokens] {wrong[0]}: {wrong[1]}")


def parse_settings(data: dict, source: str = "<dict>") -> Settings:
    """Build validated Settings from an already-parsed TOML mapping."""
    unknown = sorted(set(data) - set(_SECTION_CLASSES))
    if unknown:
        raise ConfigError(
            f"{source}: [{unknown[0]}]: unknown section (known: {', '.join(_SECTION_CLASSES)})"
        )
    sections = {name: _build_section(source, name, data.get(name, {})) for name in _SECTION_CLASSES}
    settings = Settings(**sections, source=source)
    if not settings.bridge.id and settings.store.id:
        settings = replace(settings, bridge=replace(settings.bridge, id=f"{settings.store.id}-bridge-1"))
    _validate(settings)
    if settings.intake.token_file:
        token = read_secret_file(settings.path(settings.intake.token_file), "[intake] token_file", source)
        settings = replace(settings, intake=replace(settings.intake, token=token))
    # After token_file is read: a till may not hold the shared token either.
    _validate_tokens(settings, "intake", settings.intake.tokens, settings.shared_intake_token())
    if settings.intake.tokens_file:
        settings.intake_tokens()  # a broken file stops the start, not the first till's request
    return settings


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Parse and validate the config at path (or $VITRINE_CONFIG)."""
    path = path or os.environ.get(ENV_VAR)
    if not path:
        raise ConfigError(f"no configuration: pass --config PATH or set {ENV_VAR}")
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from exc
    return parse_settings(data, source=str(p))


def defaults_as_toml_values() -> dict[str, dict[str, object]]:
    """Every section's defaults, as a mapping shaped like the TOML file."""
    return {
        name: {f.name: getattr(cls(), f.name) for f in fields(cls)}
        for name, cls in _SECTION_CLASSES.items()
    }

