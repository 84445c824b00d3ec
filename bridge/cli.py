"""`vitrine-bridge`: run the bridge, ingest files, sync now, show status, handle dead letters.

    vitrine-bridge --config /etc/vitrine/config.toml run
    vitrine-bridge status --json
    vitrine-bridge dead-letters retry 01JD...
    vitrine-bridge recover /var/lib/vitrine/vitrine.db.corrupt-20261202T070000123456Z
    vitrine-bridge pair kiosk-entrance --qr kiosk-entrance.png   # on a store bridge

Exit codes: 0 success, 1 the command's job failed (events refused, HQ unreachable),
2 the bridge could not start (configuration, storage, another bridge running).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from typing import Sequence

from bridge.config import ENV_VAR, load_settings
from bridge.errors import AlreadyRunning, ConfigError, StorageError, VitrineError

log = logging.getLogger("bridge.cli")

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vitrine-bridge", description="Vitrine store bridge.")
    p.add_argument("--config", metavar="PATH", help=f"configuration file (default: ${ENV_VAR})")
    p.add_argument("--log-level", default="INFO",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="default: INFO")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="send to HQ, serve the intake API and watch the drop folder")
    ingest = sub.add_parser("ingest", help="record the events or receipts of a file or folder")
    ingest.add_argument("path")
    sub.add_parser("sync", help="push and pull now, until nothing is pending")
    status = sub.add_parser("status", help="show the outbox and the last sync")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    recover = sub.add_parser("recover", help="put the readable events of a quarantined "
                             "database back in the outbox (ids already held are skipped)")
    recover.add_argument("file", help="the moved-aside file, e.g. vitrine.db.corrupt-...")
    dead = sub.add_parser("dead-letters", help="list, retry or drop events HQ refused")
    dead_sub = dead.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = dead_sub.add_parser("list", help="show dead letters")
    listing.add_argument("--json", action="store_true")
    for action in ("retry", "drop"):
        a = dead_sub.add_parser(action, help=f"{action} dead letters by id")
        a.add_argument("ids", nargs="*", metavar="ID")
        a.add_argument("--all", action="store_true", help=f"{action} every dead letter")
    pair = sub.add_parser("pair", help="mint a token for a kiosk or till of this store bridge")
    pair.add_argument("name", help="the device's name, e.g. kiosk-entrance")
    pair.add_argument("--kind", default="kiosk", choices=["kiosk", "till", "other"])
    pair.add_argument("--qr", metavar="PNG", help="also write the pairing QR code to this PNG file")
    pair.add_argument("--no-terminal-qr", action="store_true", help="do not draw the QR in the terminal")
    revoke = sub.add_parser("revoke", help="refuse a paired device's token from now on")
    revoke.add_argument("name")
    devices = sub.add_parser("devices", help="list the devices this store bridge serves")
    devices.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `vitrine-bridge`; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, StorageError, AlreadyRunning) as exc:
        print(f"vitrine-bridge: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except VitrineError as exc:
        print(f"vitrine-bridge: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


def _open(args: argparse.Namespace, *, sender: bool = False):
    from bridge.facade import Bridge

    return Bridge.open(args.config, sender=sender)


def cmd_run(args: argparse.Namespace) -> int:
    """Run until SIGTERM/SIGINT, then stop accepting, finish the push, release claims."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("received %s: shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with _open(args, sender=True) as bridge:
        bridge.start()
        port = bridge.intake.port if bridge.intake else None
        log.info("bridge %s running on %s (intake port %s)", bridge.settings.bridge.id,
                 bridge.settings.database_path, port)
        while not stop.wait(0.5):
            pass
    log.info("bridge stopped cleanly")
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from bridge.intake.ingest import ingest_path

    with _open(args) as bridge:
        report = ingest_path(bridge, args.path)
    for error in report.errors:
        print(f"{error}", file=sys.stderr)
    for skip in report.skips:
        print(f"skipped {skip}")
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_sync(args: argparse.Namespace) -> int:
    """Push (and pull once) until the outbox is drained or HQ stops us."""
    with _open(args, sender=True) as bridge:
        report = bridge.sync(pull=True)
        pull_error = report.pull_error
        while not report.error and not report.drained and (report.acked or report.dead):
            report = bridge.sync(pull=False)
        print(f"pending {report.pending}, dead letters {bridge.outbox.stats().dead}")
        if report.auth_failed:
            print(f"vitrine-bridge: sync: HQ refuses the token: {report.error}", file=sys.stderr)
            return EXIT_FAILED
        if report.error:
            reachable = bridge.status()["hq_reachable"]
            what = "HQ unreachable" if reachable is False else "HQ refused the push"
            # transport errors already say "HQ unreachable: ..."; do not say it twice
            message = report.error if report.error.startswith(what) else f"{what}: {report.error}"
            print(f"vitrine-bridge: sync: {message}", file=sys.stderr)
            return EXIT_FAILED
        if pull_error:
            print(f"vitrine-bridge: sync: pull failed: {pull_error}", file=sys.stderr)
            return EXIT_FAILED
        if not report.drained:
            print(f"vitrine-bridge: sync: {report.pending} events still pending", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """Print the status; with no database yet, say so and fail rather than create one."""
    settings = load_settings(args.config)
    if not settings.database_path.exists():
        print(f"vitrine-bridge: status: no database yet at {settings.database_path} "
              "(the bridge creates it when it first runs or records)", file=sys.stderr)
        return EXIT_FAILED
    with _open(args) as bridge:
        status = bridge.status()
    if args.json:
        print(json.dumps({k: _rounded(k, v) for k, v in status.items()}, indent=2, sort_keys=True))
    else:
        width = max(map(len, status))
        for key, value in status.items():
            print(f"{key:<{width}}  {_shown(key, value)}")
    return EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    """Salvage a quarantined file's readable events into the outbox; safe to run twice."""
    from bridge.store.recover import recover_file

    with _open(args) as bridge:
        report = recover_file(bridge.db, args.file)
    print(report.summary())
    return EXIT_OK


def _rounded(key: str, value: object) -> object:
    """Durations to a tenth of a second: more digits are noise."""
    return round(value, 1) if key.endswith("_s") and isinstance(value, float) else value


def _shown(key: str, value: object) -> str:
    if value is None:
        return "-"
    if key.endswith("_s") and isinstance(value, (int, float)):
        return f"{value:.1f} s"
    if key == "quarantined":
        return "; ".join(f"{q['file']} ({q['events']} events, moved {q['at']}; "
                         "run `vitrine-bridge recover FILE`)" for q in value) or "-"
    return str(value)


def cmd_dead_letters(args: argparse.Namespace) -> int:
    with _open(args) as bridge:
        if args.action == "list":
            return _list_dead(bridge, args.json)
        ids = args.ids
        held = {d.id for d in bridge.outbox.dead_letters()}
        missing = [i for i in dict.fromkeys(ids) if i not in held]
        if args.all:
            ids = [d.id for d in bridge.outbox.dead_letters()]
        elif not ids:
            print("vitrine-bridge: dead-letters: give event IDs or --all", file=sys.stderr)
            return EXIT_FAILED
        if args.action == "retry":
            n = bridge.outbox.retry_dead(ids)
            print(f"{n} events back in the outbox")
        else:
            n = bridge.outbox.drop_dead(ids)
            print(f"{n} dead letters dropped")
        if missing:
            what = (f"{missing[0]} is not a dead letter" if len(missing) == 1
                    else f"{', '.join(missing)} are not dead letters")
            print(f"vitrine-bridge: dead-letters: {what}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK


def _list_dead(bridge, as_json: bool) -> int:
    dead = bridge.outbox.dead_letters()
    if as_json:
        print(json.dumps([{k: getattr(d, k) for k in (
            "id", "type", "device_id", "seq", "reason", "dead_at")} for d in dead], indent=2))
        return EXIT_OK
    for d in dead:
        print(f"{d.id}  {d.type}  {d.device_id}#{d.seq}  {d.dead_at}  {d.reason}")
    print(f"{len(dead)} dead letters")
    return EXIT_OK


def cmd_pair(args: argparse.Namespace) -> int:
    """Mint a device token; print the URL, the token and the QR a kiosk needs."""
    from bridge.serve import pairing

    with _open(args) as bridge:
        if not bridge.settings.serve.enabled:
            print("vitrine-bridge: pair: this bridge does not serve its store: set [serve] enabled = true",
                  file=sys.stderr)
            return EXIT_FAILED
        paired = pairing.pair_device(bridge.db, bridge.settings, args.name, args.kind)
    url, token, text = paired.url, paired.token, paired.text
    print(f"device {args.name}: put these in its configuration\n[hq]\nurl = \"{url}\"\n"
          f"token = \"{token}\"")
    if url.startswith("http://"):
        print("allow_insecure_http = true  # plain HTTP on the store LAN: only on a network you trust")
    print(f"[kiosk]\ndevice_id = \"{args.name}\"\n# the token is refused unless first used by "
          f"{paired.expires_at}; then pair again")
    if args.qr:
        print(f"QR code written to {pairing.save_qr_png(text, args.qr)}")
    if not args.no_terminal_qr:
        print(pairing.terminal_qr(text))
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    from bridge.store import devices

    with _open(args) as bridge:
        if not devices.revoke(bridge.db, args.name):
            print(f"vitrine-bridge: revoke: no device named {args.name!r}", file=sys.stderr)
            return EXIT_FAILED
    print(f"device {args.name}: token revoked (it is refused with 401 and keeps its events)")
    return EXIT_OK


def cmd_devices(args: argparse.Namespace) -> int:
    from bridge.store import devices

    with _open(args) as bridge:
        known = devices.list_devices(bridge.db)
    if args.json:
        print(json.dumps([{**d.heartbeat_entry(), "created_at": d.created_at} for d in known], indent=2))
        return EXIT_OK
    for d in known:
        state = "revoked" if d.revoked else "active"
        pending = "-" if d.pending is None else d.pending
        print(f"{d.name:<24} {d.kind:<7} {state:<8} last contact {d.last_seen_at or 'never'}  pending {pending}")
    print(f"{len(known)} devices")
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "ingest": cmd_ingest,
    "sync": cmd_sync,
    "status": cmd_status,
    "dead-letters": cmd_dead_letters,
    "recover": cmd_recover,
    "pair": cmd_pair,
    "revoke": cmd_revoke,
    "devices": cmd_devices,
}

if __name__ == "__main__":
    sys.exit(main())
