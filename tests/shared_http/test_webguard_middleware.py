"""webguard.middleware: errors raised before the answer starts become {"error": ...} JSON."""

from __future__ import annotations

import logging

import pytest
import requests
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from webguard.middleware import Errors, routing_error, standard_answer
from webguard.refusal import Refusal

log = logging.getLogger("webguard.test")


async def _refuse(request: Request) -> Response:
    raise Refusal(409, "taken", {"X-Why": "because"})


async def _deep(request: Request) -> Response:
    raise RecursionError("maximum recursion depth exceeded")


async def _boom(request: Request) -> Response:
    raise ValueError("a bug")


async def _late(request: Request) -> Response:
    async def chunks():
        yield b"started"
        raise ValueError("after the answer began")

    return StreamingResponse(chunks())


@pytest.fixture
def served(serve):
    answered: list[Exception] = []

    def answer(exc: Exception) -> Response:
        answered.append(exc)
        return standard_answer(exc, log, "the test's log")

    routes = [Route(f"/{f.__name__[1:]}", f) for f in (_refuse, _deep, _boom, _late)]
    url = serve(Starlette(routes=routes, middleware=[Middleware(Errors, answer=answer)],
                          exception_handlers={HTTPException: routing_error}))
    return url, answered


def test_a_refusal_is_answered_with_its_status_message_and_headers(served):
    url, answered = served
    answer = requests.get(url + "/refuse", timeout=10)
    assert (answer.status_code, answer.json(), answer.headers["x-why"]) == (409, {"error": "taken"}, "because")
    assert answer.headers["content-type"] == "application/json"
    assert [type(exc) for exc in answered] == [Refusal]


def test_too_deep_a_recursion_is_400(served):
    answer = requests.get(served[0] + "/deep", timeout=10)
    assert (answer.status_code, answer.json()) == (400, {"error": "body: nested too deeply"})


def test_any_other_error_is_500_and_logged(served, caplog):
    with caplog.at_level(logging.ERROR, logger="webguard.test"):
        answer = requests.get(served[0] + "/boom", timeout=10)
    assert (answer.status_code, answer.json()) == (500, {"error": "internal error (see the test's log)"})
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)


def test_an_error_after_the_answer_started_is_not_answered_again(served):
    url, answered = served
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url + "/late", timeout=10).raise_for_status()
    assert answered == []


def test_starlettes_own_404_and_405_come_as_json_naming_the_request(served):
    url = served[0]
    missing = requests.get(url + "/nowhere", timeout=10)
    assert (missing.status_code, missing.json()) == (404, {"error": "no such endpoint: GET /nowhere"})
    wrong = requests.delete(url + "/refuse", timeout=10)
    assert (wrong.status_code, wrong.json()) == (405, {"error": "method not allowed: DELETE /refuse"})
    assert "GET" in wrong.headers["allow"]
