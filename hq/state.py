"""What every request shares: the store, the catalog files, the signing keys, the faults.

    state = build_state("hq.db", tokens={"paris-marais": "s3cret"})
    state.store.event_count()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from hq.attribution.cache import AttributionCache
from hq.catalog_files import DEFAULT_CATALOG_DIR, load_products, load_stock
from hq.faults import Faults
from hq.forward.attach import attach
from hq.forward.config import ForwardConfig
from hq.forward.forwarder import Forwarder
from hq.store import HQStore
from hq.tokens import jwks, load_signing_key

DEV_STORE = "paris-marais"
DEV_TOKEN = "dev-token-paris-marais"  # development only: documented in hq/README.md
DEMO_PROFILES = [("p-camille", "Camille", "fr"), ("p-james", "James", "en"), ("p-ines", "Inès", "fr")]


@dataclass(frozen=True)
class Access:
    """Who may see and send what beyond the store tokens, and the attribution window (server options)."""

    orders_token: str | None = None  # POST /v1/orders; None: refused
    dashboard_token: str | None = None  # every page and JSON of store data; None: open (development)
    attribution_window_days: int = 14  # an identified shopper's receipt counts this long after the kiosk


@dataclass
class HQApp:
    """The shared state of one HQ process."""

    store: HQStore
    catalog_dir: Path
    signing_keys: list = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    fault_endpoint: bool = False
    body_timeout_s: float = 30.0  # a whole request body must arrive within this
    access: Access = field(default_factory=lambda: Access())
    forwarder: Forwarder | None = None  # forwarding to the brand's pipeline, when configured
    results: AttributionCache = field(init=False)

    def __post_init__(self) -> None:
        self.results = AttributionCache(self.store.db)

    def orders_tokens(self) -> list[tuple[bytes, str]]:
        """The orders token as a token table (empty without one: every POST /v1/orders gets 401)."""
        token = self.access.orders_token
        return [(token.encode("utf-8", "surrogateescape"), "orders")] if token else []

    def close(self) -> None:
        """Stop forwarding (if on), then close the database."""
        if self.forwarder is not None:
            self.forwarder.stop()
        self.store.close()

    def jwks(self) -> dict:
        return jwks(self.signing_keys)


def prepare_database(
    database: str | PathLike[str],
    *,
    tokens: dict[str, str] | None = None,
    seed_catalog: bool = True,
    catalog_dir: str | PathLike[str] | None = None,
) -> None:
    """Migrate the database, set tokens and seed the demo profiles and catalog (once, before serving)."""
    store = HQStore(database)
    try:
        seed(store, tokens=tokens, seed_catalog=seed_catalog, catalog_dir=_catalog_dir(catalog_dir))
    finally:
        store.close()


def seed(store: HQStore, *, tokens: dict[str, str] | None, seed_catalog: bool, catalog_dir: Path) -> None:
    """Set tokens (the development one when none is given), demo profiles and the catalog."""
    if tokens is None:
        if not store.has_stores():
            store.set_token(DEV_STORE, DEV_TOKEN)
    else:
        for store_id, token in tokens.items():
            store.set_token(store_id, token)
    for profile_id, first_name, language in DEMO_PROFILES:
        store.add_profile(profile_id, first_name, language)
    if seed_catalog and store.catalog_version() == 0 and store.stock_version() == 0:
        store.upsert_products(load_products(catalog_dir))
        store.upsert_stock(load_stock(catalog_dir))


def build_state(
    database: str | PathLike[str],
    *,
    tokens: dict[str, str] | None = None,
    seed_catalog: bool = True,
    catalog_dir: str | PathLike[str] | None = None,
    signing_key: str | PathLike[str] | None = None,
    fault_endpoint: bool = False,
    access: Access | None = None,
    forward: ForwardConfig | None = None,
) -> HQApp:
    """Open (or create) the database, set tokens, seed demo data; return the shared state."""
    store = HQStore(database)
    directory = _catalog_dir(catalog_dir)
    try:
        seed(store, tokens=tokens, seed_catalog=seed_catalog, catalog_dir=directory)
        keys = [load_signing_key(signing_key)]
        forwarder = attach(store, forward) if forward is not None else None
    except BaseException:
        store.close()
        raise
    return HQApp(store=store, catalog_dir=directory, signing_keys=keys, fault_endpoint=fault_endpoint,
                 access=access or Access(), forwarder=forwarder)


def open_state(
    database: str | PathLike[str],
    *,
    catalog_dir: str | PathLike[str] | None = None,
    signing_key: str | PathLike[str] | None = None,
    fault_endpoint: bool = False,
    access: Access | None = None,
    forward: ForwardConfig | None = None,
) -> HQApp:
    """The state of one worker over a database already prepared by prepare_database()."""
    store = HQStore(database)
    forwarder = attach(store, forward) if forward is not None else None
    return HQApp(store=store, catalog_dir=_catalog_dir(catalog_dir), signing_keys=[load_signing_key(signing_key)],
                 fault_endpoint=fault_endpoint, access=access or Access(), forwarder=forwarder)


def _catalog_dir(catalog_dir: str | PathLike[str] | None) -> Path:
    return Path(catalog_dir) if catalog_dir is not None else DEFAULT_CATALOG_DIR
