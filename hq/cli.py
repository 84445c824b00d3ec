"""`vitrine-hq`: run the reference HQ server, or mint an app QR token.

    vitrine-hq serve --db hq.db --port 8700 --token paris-marais=s3cret
    vitrine-hq serve --database postgresql://hq@db.internal/hq --host 0.0.0.0 --workers 4
    vitrine-hq mint-token --profile p-camille --png camille.png
    vitrine-hq backfill-attribution --database postgresql://hq@db.internal/hq
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hq.errors import HQServerError
from hq.forward.config import default as forward_default
from hq.tokens import MAX_TTL_S, mint_app_token


def _token_pair(text: str) -> tuple[str, str]:
    store_id, sep, token = text.partition("=")
    if not sep or not store_id or not token:
        raise argparse.ArgumentTypeError(f"expected STORE=TOKEN, got {text!r}")
    return store_id, token


def _ttl(text: str) -> int:
    try:
        ttl = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 1 <= ttl <= MAX_TTL_S:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_TTL_S} seconds (the contract's limit)")
    return ttl


def _workers(text: str) -> int:
    try:
        workers = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError("must be between 1 and 64")
    return workers


def _window(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 365:
        raise argparse.ArgumentTypeError(f"must be an integer from 1 to 365, got {text!r}")
    return int(text)


def _lease(text: str) -> float:
    try:
        lease = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= lease <= 3600:
        raise argparse.ArgumentTypeError("must be between 1 and 3600 seconds")
    return lease


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vitrine-hq", description="Vitrine's reference HQ server (development).")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the profile API v1 over HTTP")
    where = serve.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", metavar="URL",
                       help="postgresql://USER@HOST/DB, or a SQLite file path (created if absent)")
    where.add_argument("--db", type=Path, help="a SQLite file (created if absent); same as --database PATH")
    serve.add_argument("--workers", type=_workers, default=1,
                       help="worker processes serving the same port (default 1; each is stateless)")
    serve.add_argument("--port", type=int, default=8700, help="TCP port; 0 picks a free one (default 8700)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--token", action="append", type=_token_pair, default=[], metavar="STORE=TOKEN",
                       help="a store's bearer token (repeatable); default: the development token")
    serve.add_argument("--catalog", type=Path, help="catalog directory (default: assets/catalog)")
    serve.add_argument("--no-seed", action="store_true", help="do not seed the catalog into an empty database")
    serve.add_argument("--signing-key", type=Path, help="Ed25519 PEM key for app tokens (default: the dev key)")
    serve.add_argument("--faults", action="store_true",
                       help="enable POST/DELETE /_faults, the fault-injection endpoint for tests and demos")
    serve.add_argument("--orders-token", metavar="TOKEN",
                       help="bearer token of POST /v1/orders (online orders with a hand-off); default: refused")
    serve.add_argument("--dashboard-token", metavar="TOKEN",
                       help="token every HTML page and store JSON requires (?token=, bearer or cookie); "
                            "default: open, for development")
    serve.add_argument("--attribution-window-days", type=_window, default=14, metavar="DAYS",
                       help="an identified shopper's receipt is credited to the kiosk this long after (default 14)")
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")
    serve.add_argument("--forward-url", metavar="URL",
                       help="forward accepted events to this Segment-style pipeline (batches go to URL/v1/batch)")
    serve.add_argument("--forward-write-key-file", type=Path, metavar="FILE",
                       help="file holding the pipeline's write key, readable by its owner only (chmod 600)")
    serve.add_argument("--forward-lease-s", type=_lease, default=forward_default("lease_s"), metavar="SECONDS",
                       help="events claimed by a worker that died are forwarded again after this (default %(default)g)")
    serve.add_argument("--forward-session-retention-days", type=_window,
                       default=forward_default("session_retention_days"), metavar="DAYS",
                       help="a kiosk session whose shopper never identified is forgotten this long after its last "
                            "event (default %(default)s); an identified one whose claim code never came is then "
                            "joined from HQ's stored facts, or forgotten and counted")

    backfill = sub.add_parser("backfill-attribution",
                              help="derive attribution facts of events stored before this version (idempotent)")
    target = backfill.add_mutually_exclusive_group(required=True)
    target.add_argument("--database", metavar="URL", help="postgresql://USER@HOST/DB, or a SQLite file path")
    target.add_argument("--db", type=Path, help="a SQLite file")

    mint = sub.add_parser("mint-token", help="print an app QR token (a compact JWS) for a profile")
    mint.add_argument("--profile", required=True, help="the profile id (the token's sub)")
    mint.add_argument("--png", type=Path, help="also write the token's QR code to this PNG file")
    mint.add_argument("--ttl", type=_ttl, default=300, help=f"lifetime in seconds, 1-{MAX_TTL_S} (default 300)")
    mint.add_argument("--key", type=Path, help="Ed25519 PEM private key (default: the dev key)")
    return parser


def serve(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT, then shut down cleanly."""
    from hq import server  # server imports are only needed here
    from hq.state import prepare_database
    from hq.tokens import load_signing_key

    database = args.database or str(args.db)
    catalog = str(args.catalog) if args.catalog else None
    key = str(args.signing_key) if args.signing_key else None
    load_signing_key(key)  # a bad key is reported before any worker starts
    forward_url, key_file = _forwarding(args)
    prepare_database(database, tokens=dict(args.token) or None, seed_catalog=not args.no_seed, catalog_dir=catalog)
    sock = server.bind_socket(args.host, args.port)
    host, port = sock.getsockname()[:2]
    print(f"vitrine-hq listening on http://{host}:{port}", flush=True)
    spec = server.WorkerSpec(database=database, catalog_dir=catalog, signing_key=key, fault_endpoint=args.faults,
                             orders_token=args.orders_token, dashboard_token=args.dashboard_token,
                             attribution_window_days=args.attribution_window_days,
                             forward_url=forward_url, forward_key_file=key_file,
                             forward_lease_s=args.forward_lease_s,
                             forward_session_retention_days=args.forward_session_retention_days)
    server.run(spec, sock, workers=args.workers, verbose=args.verbose)
    print("vitrine-hq stopped", flush=True)
    return 0


def _forwarding(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The forwarding URL and key file, both or neither, checked before any worker starts."""
    from hq.forward.config import ForwardConfigError, check_url, read_write_key

    if args.forward_url is None and args.forward_write_key_file is None:
        return None, None
    if args.forward_url is None or args.forward_write_key_file is None:
        raise ForwardConfigError("--forward-url and --forward-write-key-file go together")
    read_write_key(args.forward_write_key_file)
    return check_url(args.forward_url), str(args.forward_write_key_file.resolve())


def mint(args: argparse.Namespace) -> int:
    """Print a token and optionally write its QR code as a PNG."""
    token = mint_app_token(args.profile, ttl_s=args.ttl, key=args.key)
    if args.png:
        import qrcode

        qrcode.make(token).save(args.png)
    print(token, flush=True)
    return 0


def backfill(args: argparse.Namespace) -> int:
    """Migrate the database, then derive the facts of every stored event."""
    from hq.attribution.backfill import backfill_attribution
    from hq.db import open_database

    db = open_database(args.database or str(args.db))
    try:
        print(f"vitrine-hq: attribution facts derived from {backfill_attribution(db)} stored events", flush=True)
    finally:
        db.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"serve": serve, "mint-token": mint, "backfill-attribution": backfill}
    try:
        return commands[args.command](args)
    except HQServerError as exc:
        print(f"vitrine-hq: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
