"""Staff PIN: salted PBKDF2 hashes, constant-time checks, and lockout after wrong tries.

Plain Python (no Kivy) so it is tested directly. The kiosk config holds only a hash:

    $ vitrine-kiosk hash-pin            # asks for the PIN twice (kiosk/hash_pin.py)
    staff_pin_hash = "pbkdf2_sha256$200000$...$..."

    gate = StaffGate(settings.kiosk.staff_pin_hash, max_tries=5, lockout_s=300,
                     saved=SavedLockout(bridge.local_state, "kiosk-1"))
    gate.attempt("2468")  # -> Attempt(ok=True, tries_left=5, locked_for_s=0.0)

With `saved`, wrong tries and a lockout survive a restart of the kiosk: restarting is no
way around the rate limit. PINs have 4 to 12 digits; each digit more multiplies by ten
the guesses a stolen hash needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Callable, Protocol

from bridge.errors import ConfigError

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 200_000
MIN_ITERATIONS = 1_000
MAX_ITERATIONS = 10_000_000
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12
_KEY = "[kiosk] staff_pin_hash"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_pin_format(pin: str) -> None:
    """Raise ValueError unless pin is 4 to 12 ASCII digits."""
    if not (pin.isascii() and pin.isdigit()):
        raise ValueError("the PIN must contain digits only")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        raise ValueError(f"the PIN must have {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits")


def hash_pin(pin: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """Return `pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>` for pin."""
    check_pin_format(pin)
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be between {MIN_ITERATIONS} and {MAX_ITERATIONS}")
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


@dataclass(frozen=True)
class PinHash:
    """A parsed stored hash."""

    iterations: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, text: str) -> "PinHash":
        """Parse a stored hash, or raise ConfigError naming the config key and the defect."""
        parts = text.strip().split("$")
        if len(parts) != 4:
            raise ConfigError(f"{_KEY}: expected {ALGORITHM}$<iterations>$<salt>$<hash> "
                              f"(make one with `vitrine-kiosk hash-pin`)")
        algorithm, iterations, salt, digest = parts
        if algorithm != ALGORITHM:
            raise ConfigError(f"{_KEY}: unknown algorithm {algorithm!r} (expected {ALGORITHM})")
        if not (iterations.isascii() and iterations.isdigit() and len(iterations) <= 9) \
                or not MIN_ITERATIONS <= int(iterations) <= MAX_ITERATIONS:
            raise ConfigError(f"{_KEY}: iterations must be a number between "
                              f"{MIN_ITERATIONS} and {MAX_ITERATIONS}, got {iterations!r}")
        try:
            salt_bytes = base64.b64decode(salt, validate=True)
            digest_bytes = base64.b64decode(digest, validate=True)
        except binascii.Error as exc:
            raise ConfigError(f"{_KEY}: salt or hash is not valid base64: {exc}") from exc
        if not salt_bytes or len(digest_bytes) != hashlib.sha256().digest_size:
            raise ConfigError(f"{_KEY}: salt must be non-empty and the hash 32 bytes")
        return cls(int(iterations), salt_bytes, digest_bytes)

    def matches(self, pin: str) -> bool:
        """True when pin hashes to this digest (constant-time comparison)."""
        candidate = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), self.salt, self.iterations)
        return hmac.compare_digest(candidate, self.digest)


def verify_pin(pin: str, stored: str) -> bool:
    """True when pin matches the stored hash; ConfigError when the hash is malformed."""
    return PinHash.parse(stored).matches(pin)


@dataclass(frozen=True)
class Attempt:
    """The outcome of one PIN entry."""

    ok: bool
    tries_left: int
    locked_for_s: float

    @property
    def locked(self) -> bool:
        return self.locked_for_s > 0


class KeyValues(Protocol):
    """Durable text values by key (bridge.store.local_state.LocalState is one)."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class SavedLockout:
    """A gate's failure count and lockout end, kept in durable storage for one device."""

    def __init__(self, values: KeyValues, device_id: str,
                 wall: Callable[[], float] = time.time) -> None:
        self.values = values
        self.key = f"staff_lockout:{device_id}"
        self.wall = wall  # the lockout's end is stored as wall time: monotonic restarts at boot

    def load(self, lockout_s: float) -> tuple[int, float]:
        """(failures, seconds of lockout left), the latter capped at lockout_s."""
        try:
            data = json.loads(self.values.get(self.key) or "{}")
            failures = int(data.get("failures", 0))
            until = data.get("locked_until")
            left = 0.0 if until is None else float(until) - self.wall()
        except (ValueError, TypeError, AttributeError):
            return 0, 0.0  # unreadable: a fresh count (the PIN hash still guards the pad)
        if until is not None and left <= 0:
            # The lockout ended while the kiosk was off: a fresh set of tries, as a running
            # gate gives (else the saved count of max_tries locks again at the first slip).
            return 0, 0.0
        # A wall clock set back must not lock the pad for longer than one lockout.
        return max(0, failures), min(max(0.0, left), lockout_s)

    def save(self, failures: int, left_s: float) -> None:
        until = self.wall() + left_s if left_s > 0 else None
        self.values.set(self.key, json.dumps({"failures": failures, "locked_until": until}))


class StaffGate:
    """Counts wrong PINs and locks entry for lockout_s after max_tries of them.

    The clock is injectable (monotonic seconds) so tests need not wait. Thread-safe:
    the PIN screen verifies off the UI thread. With `saved`, the count and the lockout
    are read at start and written at each change.
    """

    def __init__(self, pin_hash: str, *, max_tries: int = 5, lockout_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic,
                 saved: SavedLockout | None = None) -> None:
        self._hash = PinHash.parse(pin_hash) if pin_hash.strip() else None
        self.max_tries = max_tries
        self.lockout_s = lockout_s
        self.clock = clock
        self.saved = saved
        self._failures = 0
        self._locked_until: float | None = None
        self._lock = threading.Lock()
        if saved is not None:
            failures, left = saved.load(lockout_s)
            self._failures = min(failures, max_tries)
            if left > 0:
                self._locked_until = clock() + left

    def _save(self) -> None:
        if self.saved is not None:
            left = 0.0 if self._locked_until is None else max(0.0, self._locked_until - self.clock())
            self.saved.save(self._failures, left)

    @property
    def configured(self) -> bool:
        """False when no staff PIN is set: staff mode cannot be entered at all."""
        return self._hash is not None

    def locked_for(self) -> float:
        """Seconds of lockout left (0.0 when entry is open)."""
        with self._lock:
            return self._remaining()

    def tries_left(self) -> int:
        with self._lock:
            self._remaining()
            return self.max_tries - self._failures

    def _remaining(self) -> float:
        if self._locked_until is None:
            return 0.0
        left = self._locked_until - self.clock()
        if left <= 0:
            # The lockout is over: a fresh set of tries.
            self._locked_until = None
            self._failures = 0
            self._save()
            return 0.0
        return left

    def attempt(self, pin: str) -> Attempt:
        """Check pin; while locked, even the right PIN is refused."""
        with self._lock:
            left = self._remaining()
            if left > 0 or self._hash is None:
                return Attempt(False, 0, left)
        ok = self._hash.matches(pin)  # slow on purpose: outside the lock
        with self._lock:
            if self._remaining() > 0:
                return Attempt(False, 0, self._remaining())
            if ok:
                if self._failures:
                    self._failures = 0
                    self._save()
                return Attempt(True, self.max_tries, 0.0)
            self._failures += 1
            if self._failures >= self.max_tries:
                self._locked_until = self.clock() + self.lockout_s
                self._save()
                return Attempt(False, 0, self.lockout_s)
            self._save()
            return Attempt(False, self.max_tries - self._failures, 0.0)

    def reset(self) -> None:
        """Forget failures and any lockout, saved ones included (tests, or staff with shell access)."""
        with self._lock:
            self._failures = 0
            self._locked_until = None
            self._save()


_gates: "weakref.WeakKeyDictionary[object, StaffGate]" = weakref.WeakKeyDictionary()


def gate_for(app: object, clock: Callable[[], float] | None = None) -> StaffGate:
    """The app's one StaffGate, made from app.settings.kiosk on first use.

    Kept here rather than in a widget so a lockout survives leaving the PIN screen.
    """
    gate = _gates.get(app)
    if gate is None:
        kiosk = app.settings.kiosk  # type: ignore[attr-defined]
        values = getattr(getattr(app, "bridge", None), "local_state", None)
        saved = SavedLockout(values, kiosk.device_id) if values is not None else None
        gate = StaffGate(kiosk.staff_pin_hash, max_tries=kiosk.staff_max_tries,
                         lockout_s=kiosk.staff_lockout_s, clock=clock or time.monotonic,
                         saved=saved)
        _gates[app] = gate
    elif clock is not None:
        gate.clock = clock
    return gate


def forget_gate(app: object) -> None:
    """Drop the app's gate (tests, or after the PIN setting changed)."""
    _gates.pop(app, None)


def format_remaining(seconds: float) -> str:
    """"4:05" for 245 s; rounds up so "0:00" never shows while still locked."""
    total = int(-(-seconds // 1))
    return f"{total // 60}:{total % 60:02d}"
