"""`vitrine-kiosk hash-pin`: print a [kiosk] staff_pin_hash line; the PIN itself is never stored.

    $ vitrine-kiosk hash-pin                      # asks for the PIN twice on the terminal
    $ echo 2468 | vitrine-kiosk hash-pin --stdin  # for scripts
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Sequence

from kiosk.logic.staff_access import DEFAULT_ITERATIONS, hash_pin

NO_TERMINAL = ("no terminal to ask the PIN on; pipe it in with --stdin instead, e.g.\n"
               "    echo 2468 | vitrine-kiosk hash-pin --stdin")


class NoTerminal(ValueError):
    """The PIN was to be typed, but standard input is not a terminal."""


def build_parser() -> argparse.ArgumentParser:
    """The hash-pin command's options."""
    parser = argparse.ArgumentParser(
        prog="vitrine-kiosk hash-pin",
        description="Hash a staff PIN for [kiosk] staff_pin_hash; the PIN itself is never stored.")
    parser.add_argument("--stdin", action="store_true",
                        help="read the PIN from one line of standard input (for scripts)")
    parser.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS,
                        help=f"PBKDF2 iterations (default {DEFAULT_ITERATIONS})")
    return parser


def read_pin(from_stdin: bool) -> str:
    """The PIN from one line of stdin, or typed twice on the terminal."""
    if from_stdin:
        return sys.stdin.readline().strip()
    # getpass falls back to reading stdin when there is no terminal, and fails there with
    # termios.error or EOFError: refuse early with a way out instead.
    if not sys.stdin.isatty():
        raise NoTerminal(NO_TERMINAL)
    try:
        first = getpass.getpass("Staff PIN: ")
        again = getpass.getpass("Again: ")
    except EOFError:
        raise NoTerminal(NO_TERMINAL) from None
    if again != first:
        raise ValueError("the two PINs differ")
    return first


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 after printing the line, 2 with a message on stderr."""
    args = build_parser().parse_args(argv)
    try:
        line = hash_pin(read_pin(args.stdin), iterations=args.iterations)
    except ValueError as exc:
        print(f"vitrine-kiosk hash-pin: {exc}", file=sys.stderr)
        return 2
    print(f'staff_pin_hash = "{line}"')
    return 0
