"""Staff PIN hashing, verification and lockout (kiosk/logic/staff_access.py, no Kivy),
and the `vitrine-kiosk hash-pin` command (kiosk/hash_pin.py)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from bridge.errors import ConfigError, VitrineError
from kiosk import hash_pin
from kiosk.cli import build_parser
from kiosk.logic import staff_access as staff
from tests.support.clock import FakeClock

FAST = 1_000  # iterations: tests need correctness, not brute-force resistance


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gate(clock: FakeClock) -> staff.StaffGate:
    return staff.StaffGate(staff.hash_pin("2468", iterations=FAST), max_tries=5,
                           lockout_s=300, clock=clock)


def test_hash_has_documented_format_and_verifies():
    stored = staff.hash_pin("2468", iterations=FAST)
    algorithm, iterations, salt, digest = stored.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", str(FAST))
    assert "2468" not in stored
    assert staff.verify_pin("2468", stored)
    assert not staff.verify_pin("2469", stored)
    assert not staff.verify_pin("", stored)


def test_same_pin_gets_a_fresh_salt_each_time():
    a, b = staff.hash_pin("2468", iterations=FAST), staff.hash_pin("2468", iterations=FAST)
    assert a != b
    assert staff.verify_pin("2468", a) and staff.verify_pin("2468", b)


@pytest.mark.parametrize("pin", ["123", "12a4", "１２３４", "1234567890123", " 1234"])
def test_hash_refuses_bad_pins(pin):
    with pytest.raises(ValueError):
        staff.hash_pin(pin, iterations=FAST)


@pytest.mark.parametrize("stored, words", [
    ("nope", "expected pbkdf2_sha256$"),
    ("md5$1000$AAAA$AAAA", "unknown algorithm 'md5'"),
    ("pbkdf2_sha256$ten$AAAA$AAAA", "iterations"),
    ("pbkdf2_sha256$10$AAAA$AAAA", "iterations"),
    ("pbkdf2_sha256$\u00b2000$AAAA$AAAA", "iterations"),
    ("pbkdf2_sha256$1000$***$AAAA", "base64"),
    ("pbkdf2_sha256$1000$AAAA$AAAA", "32 bytes"),
])
def test_malformed_hash_names_the_config_key(stored, words):
    with pytest.raises(ConfigError) as err:
        staff.verify_pin("1234", stored)
    assert "[kiosk] staff_pin_hash" in str(err.value)
    assert words in str(err.value)
    assert isinstance(err.value, VitrineError)


def test_right_pin_opens(gate):
    result = gate.attempt("2468")
    assert result.ok and not result.locked
    assert result.tries_left == 5


def test_wrong_tries_count_down_then_lock(gate, clock):
    for left in (4, 3, 2, 1):
        result = gate.attempt("0000")
        assert not result.ok and result.tries_left == left and not result.locked
    fifth = gate.attempt("0000")
    assert fifth.locked and fifth.locked_for_s == 300
    clock.now += 100
    refused = gate.attempt("2468")  # the right PIN, but locked
    assert not refused.ok and refused.locked_for_s == pytest.approx(200)
    assert gate.locked_for() == pytest.approx(200)
    clock.now += 200
    assert gate.locked_for() == 0
    assert gate.attempt("2468").ok


def test_lockout_restarts_the_count_afterwards(gate, clock):
    for _ in range(5):
        gate.attempt("0000")
    clock.now += 301
    assert gate.tries_left() == 5
    assert gate.attempt("0000").tries_left == 4


def test_right_pin_resets_the_failure_count(gate):
    for _ in range(4):
        gate.attempt("0000")
    assert gate.attempt("2468").ok
    assert gate.attempt("0000").tries_left == 4


def test_unconfigured_gate_refuses_everything():
    gate = staff.StaffGate("", max_tries=5, lockout_s=300)
    assert not gate.configured
    assert not gate.attempt("").ok
    assert not gate.attempt("1234").ok


def test_gate_for_keeps_one_gate_per_app(clock):
    from bridge.config import parse_settings

    class App:
        settings = parse_settings({"store": {"id": "s"}, "kiosk": {
            "staff_pin_hash": staff.hash_pin("2468", iterations=FAST), "staff_max_tries": 2}})

    app = App()
    first = staff.gate_for(app, clock=clock)
    first.attempt("0"), first.attempt("1")
    # Another screen asking later gets the same, still locked, gate.
    assert staff.gate_for(app) is first
    assert staff.gate_for(app).locked_for() == 300
    assert staff.gate_for(App()) is not first


@pytest.mark.parametrize("seconds, text", [(0.2, "0:01"), (60, "1:00"), (245, "4:05"), (299.5, "5:00")])
def test_format_remaining(seconds, text):
    assert staff.format_remaining(seconds) == text


class TerminalStdin(io.StringIO):
    """Test double for a terminal on stdin (pytest's stdin is none); getpass is patched alongside."""

    def isatty(self) -> bool:
        return True


def test_hash_pin_reads_stdin_and_prints_a_config_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("97531\n"))
    assert hash_pin.main(["--stdin", "--iterations", str(FAST)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith('staff_pin_hash = "pbkdf2_sha256$1000$')
    assert staff.verify_pin("97531", line.split('"')[1])


def test_hash_pin_asks_twice_and_refuses_a_mismatch(monkeypatch, capsys):
    answers = iter(["1234", "1235"])
    monkeypatch.setattr(sys, "stdin", TerminalStdin())
    monkeypatch.setattr(hash_pin.getpass, "getpass", lambda prompt="": next(answers))
    assert hash_pin.main(["--iterations", str(FAST)]) == 2
    assert "the two PINs differ" in capsys.readouterr().err


def test_hash_pin_refuses_a_short_pin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("12\n"))
    assert hash_pin.main(["--stdin"]) == 2
    assert "4 to 12 digits" in capsys.readouterr().err


def test_hash_pin_without_a_terminal_says_to_use_stdin():
    # A new session has no controlling terminal, as under cron, CI or `< /dev/null` over ssh.
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "hash-pin"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, start_new_session=True)
    assert done.returncode == 2
    assert "--stdin" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_kiosk_help_names_the_hash_pin_command():
    assert "hash-pin" in build_parser().format_help()


# -- the lockout survives a restart (issue 10 item 8) ------------------------------------


@pytest.fixture
def saved_state(tmp_path):
    """The kiosk's real bridge database, as a restarted kiosk would reopen it."""
    from bridge.store.local_state import LocalState
    from bridge.store.registry import open_database

    dbs = []

    def reopen() -> LocalState:
        dbs.append(open_database(tmp_path / "kiosk.db"))
        return LocalState(dbs[-1])
    yield reopen
    for db in dbs:
        db.close()


def _restarted_gate(saved_state, clock, wall) -> staff.StaffGate:
    """A new gate as a kiosk restart makes it: new process, reopened database."""
    return staff.StaffGate(staff.hash_pin("2468", iterations=FAST), max_tries=5, lockout_s=300,
                           clock=clock, saved=staff.SavedLockout(saved_state(), "kiosk-1", wall=wall))


def test_a_lockout_survives_a_restart_of_the_kiosk(saved_state):
    wall = FakeClock(1_800_000_000.0)
    gate = _restarted_gate(saved_state, FakeClock(), wall)
    for _ in range(5):
        gate.attempt("0000")
    assert gate.locked_for() == 300
    wall.advance(100)
    after_restart = _restarted_gate(saved_state, FakeClock(50.0), wall)  # monotonic restarted
    assert after_restart.locked_for() == pytest.approx(200)
    assert not after_restart.attempt("2468").ok  # even the right PIN, while locked
    wall.advance(200)
    assert _restarted_gate(saved_state, FakeClock(), wall).attempt("2468").ok


def test_wrong_tries_count_across_restarts(saved_state):
    wall = FakeClock(1_800_000_000.0)
    for tries_left in (4, 3, 2):  # one wrong PIN, then a restart, three times
        assert _restarted_gate(saved_state, FakeClock(), wall).attempt("0000").tries_left == tries_left
    gate = _restarted_gate(saved_state, FakeClock(), wall)
    assert gate.tries_left() == 2
    gate.attempt("1111")
    assert gate.attempt("1111").locked


def test_a_wall_clock_set_back_does_not_lengthen_the_lockout(saved_state):
    wall = FakeClock(1_800_000_000.0)
    gate = _restarted_gate(saved_state, FakeClock(), wall)
    for _ in range(5):
        gate.attempt("0000")
    wall.advance(-86_400)  # a day back
    assert _restarted_gate(saved_state, FakeClock(), wall).locked_for() == 300


def test_pins_of_up_to_twelve_digits_are_accepted():
    stored = staff.hash_pin("482915736204", iterations=FAST)
    assert staff.verify_pin("482915736204", stored)
    with pytest.raises(ValueError, match="4 to 12 digits"):
        staff.hash_pin("4829157362041", iterations=FAST)


def test_a_lockout_that_ended_while_the_kiosk_was_off_gives_a_fresh_set_of_tries(saved_state):
    wall = FakeClock(1_800_000_000.0)
    gate = _restarted_gate(saved_state, FakeClock(), wall)
    for _ in range(5):
        gate.attempt("0000")
    wall.advance(301)  # the kiosk restarts after the lockout ended
    after = _restarted_gate(saved_state, FakeClock(), wall)
    assert after.tries_left() == 5
    assert after.attempt("0000") == staff.Attempt(False, 4, 0.0)  # one slip does not lock again
