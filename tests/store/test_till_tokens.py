"""A token per till on the intake: each till is its own client, so it cannot write as another's register."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from bridge.serve.pairing import pair_device
from tests.store.store_rig import INTAKE_TOKEN, kiosk_token, serving_store, store_config

TILL_A = "till-a-token-0123456789abcdef"
TILL_B = "till-b-token-0123456789abcdef"
PRICE = {"amount": "10.00", "currency": "EUR"}


@contextmanager
def serving(tmp_path: Path, hq_url: str, *, tills: dict | None = None, shared: str = "",
            tokens_file: str = "") -> Iterator:
    """A store bridge serving its intake on a free loopback port (`intake_url`), with these tokens."""
    config = store_config(tmp_path, hq_url, serve_port=0, intake_port=0,
                          intake={"token": shared, "tokens_file": tokens_file},
                          **{"intake.tokens": tills or {}})
    with serving_store(tmp_path, config) as bridge:
        yield bridge


def _receipt(n: int, register_id: str) -> dict:
    return {"receipt_id": f"R-{n}", "register_id": register_id, "occurred_at": "2026-11-23T10:00:00+01:00",
            "lines": [{"sku": "rm-2000-S", "quantity": 1, "unit_price": PRICE, "total": PRICE}],
            "total": PRICE, "tenders": [{"method": "cash", "amount": PRICE}]}


def _post(store, path: str, token: str | None, body: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(store.intake_url + path, json=body, headers=headers, timeout=10)


def _receipts(store, token: str | None, *docs: dict) -> requests.Response:
    return _post(store, "/v1/intake/receipts", token, {"receipts": list(docs)})


def _event(device_id: str) -> dict:
    return {"type": "product_viewed", "device_id": device_id, "payload": {"product_id": "p"}}


def _owner(store, device_id: str) -> str | None:
    row = store.db.read().execute("SELECT client FROM device_ids WHERE device_id = ?", (device_id,)).fetchone()
    return row[0] if row else None


def _statuses(answer: requests.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [r["status"] for r in answer.json()["results"]]


def _private(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_each_till_is_its_own_client_and_cannot_write_as_the_others_register(tmp_path, hq):
    with serving(tmp_path, hq.url, tills={"till-a": TILL_A, "till-b": TILL_B}) as store:
        assert _statuses(_receipts(store, TILL_A, _receipt(1, "pos-a"))) == ["accepted"]
        assert _statuses(_receipts(store, TILL_B, _receipt(2, "pos-b"))) == ["accepted"]
        assert (_owner(store, "pos-a"), _owner(store, "pos-b")) == ("till:till-a", "till:till-b")

        posing = _receipts(store, TILL_B, _receipt(3, "pos-b"), _receipt(4, "pos-a"))
        assert posing.status_code == 403
        assert posing.json()["error"] == ("receipts[1].register_id: 'pos-a' belongs to another device's "
                                          "token ('till:till-a'), not to 'till:till-b'; nothing was stored")
        event = _post(store, "/v1/intake/events", TILL_B, {"events": [_event("pos-a")]})
        assert event.status_code == 403 and event.json()["error"].startswith("events[0].device_id: 'pos-a'")
        # The refused batch stored nothing; what was accepted before is all still there.
        assert sorted(e["payload"]["receipt_id"] for e in store.outbox.events()) == ["R-1", "R-2"]

        assert _statuses(_receipts(store, TILL_B, _receipt(3, "pos-b"))) == ["accepted"]  # its own part, again
        assert _statuses(_receipts(store, TILL_A, _receipt(5, "pos-a"))) == ["accepted"]
        assert _statuses(_post(store, "/v1/intake/events", TILL_A, [_event("pos-a")])) == ["accepted"]


def test_the_shared_token_still_works_as_one_client_beside_the_tills_own(tmp_path, hq, caplog):
    with caplog.at_level(logging.WARNING, logger="bridge.serve"), \
            serving(tmp_path, hq.url, tills={"till-a": TILL_A}, shared=INTAKE_TOKEN) as store:
        assert any("[intake] token is set besides per-till tokens" in r.getMessage() for r in caplog.records)
        assert _statuses(_receipts(store, INTAKE_TOKEN, _receipt(1, "pos-old"))) == ["accepted"]
        assert _owner(store, "pos-old") == "intake"
        assert _statuses(_receipts(store, TILL_A, _receipt(2, "pos-a"))) == ["accepted"]
        shared_as_a = _receipts(store, INTAKE_TOKEN, _receipt(3, "pos-a"))
        assert shared_as_a.status_code == 403 and "not to 'intake'" in shared_as_a.json()["error"]
        assert len(store.outbox.events()) == 2


def test_a_till_given_its_own_token_keeps_the_registers_the_shared_token_sent_for(tmp_path, hq):
    """Moving the tills off the shared token one by one: each takes its registers over on its first send."""
    with serving(tmp_path, hq.url, tills={"till-a": TILL_A}, shared=INTAKE_TOKEN) as store:
        for n, register in enumerate(["pos-1", "pos-2"], 1):
            assert _statuses(_receipts(store, INTAKE_TOKEN, _receipt(n, register))) == ["accepted"]
        assert _statuses(_receipts(store, TILL_A, _receipt(3, "pos-1"))) == ["accepted"]
        assert (_owner(store, "pos-1"), _owner(store, "pos-2")) == ("till:till-a", "intake")
        back = _receipts(store, INTAKE_TOKEN, _receipt(4, "pos-1"))  # the shared token lost it for good
        assert back.status_code == 403 and "('till:till-a'), not to 'intake'" in back.json()["error"]
        assert _statuses(_receipts(store, INTAKE_TOKEN, _receipt(5, "pos-2"))) == ["accepted"]
        # Only the shared token's ids move: not a paired kiosk's, nor another till's (first test).
        pair_device(store.db, store.settings, "kiosk-door")
        posing = _post(store, "/v1/intake/events", TILL_A, [_event("kiosk-door")])
        assert posing.status_code == 403 and "('kiosk-door'), not to 'till:till-a'" in posing.json()["error"]


def test_the_shared_token_alone_is_one_client_and_no_warning(tmp_path, hq, caplog):
    with caplog.at_level(logging.WARNING, logger="bridge.serve"), \
            serving(tmp_path, hq.url, shared=INTAKE_TOKEN) as store:
        assert _statuses(_receipts(store, INTAKE_TOKEN, _receipt(1, "pos-1"), _receipt(2, "pos-2"))) \
            == ["accepted", "accepted"]
        assert (_owner(store, "pos-1"), _owner(store, "pos-2")) == ("intake", "intake")
    assert not any("per-till" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789abcdef", TILL_A[:-1], TILL_A + "x",
                                   kiosk_token(1)])
def test_a_missing_wrong_or_kiosk_token_is_401_and_stores_nothing(tmp_path, hq, token):
    with serving(tmp_path, hq.url, tills={"till-a": TILL_A}) as store:
        refused = _receipts(store, token, _receipt(1, "pos-a"))
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert store.outbox.events() == [] and _owner(store, "pos-a") is None
        health = requests.get(store.intake_url + "/v1/intake/health",
                              headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=10)
        # Counts only to a token holder (a kiosk's token is one, for the health check alone).
        assert ("pending" in health.json()) == (token == kiosk_token(1))
        counted = requests.get(store.intake_url + "/v1/intake/health",
                               headers={"Authorization": f"Bearer {TILL_A}"}, timeout=10)
        assert counted.json()["pending"] == 0


def test_with_no_intake_token_at_all_intake_is_refused(tmp_path, hq):
    with serving(tmp_path, hq.url) as store:
        refused = _receipts(store, TILL_A, _receipt(1, "pos-a"))
        assert refused.status_code == 401 and "intake is disabled" in refused.json()["error"]


def test_a_rotated_tokens_file_is_picked_up_without_a_restart(tmp_path, hq):
    tills = _private(tmp_path / "tills", f"# the tills\ntill-a {TILL_A}\n")
    with serving(tmp_path, hq.url, tokens_file="tills") as store:
        assert _statuses(_receipts(store, TILL_A, _receipt(1, "pos-a"))) == ["accepted"]
        assert _receipts(store, TILL_B, _receipt(2, "pos-b")).status_code == 401
        new_a = "till-a-rotated-0123456789abcdef"
        _private(tills, f"till-a {new_a}\ntill-b {TILL_B}  # added\n")
        assert _receipts(store, TILL_A, _receipt(3, "pos-a")).status_code == 401  # the old one is gone
        assert _statuses(_receipts(store, new_a, _receipt(3, "pos-a"))) == ["accepted"]
        assert _statuses(_receipts(store, TILL_B, _receipt(2, "pos-b"))) == ["accepted"]
        assert _owner(store, "pos-a") == "till:till-a"  # the till keeps its registers across a rotation

        tills.chmod(0o644)  # rotated with the wrong mode: refused, said in the log, nothing stored
        broken = _receipts(store, TILL_B, _receipt(4, "pos-b"))
        assert broken.status_code == 503 and "token configuration" in broken.json()["error"]
        assert str(tills) not in broken.text
        tills.chmod(0o600)
        assert _statuses(_receipts(store, TILL_B, _receipt(4, "pos-b"))) == ["accepted"]
        assert len(store.outbox.events()) == 4
