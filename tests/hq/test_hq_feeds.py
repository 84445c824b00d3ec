"""GET /v1/catalog, /v1/stock and /v1/images on a real reference HQ: cursors, paging, ETags."""

from __future__ import annotations

from hq_helpers import product

from hq.embedded import serve_in_thread


def pull(session, url, path, **params):
    answer = session.get(url + path, params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_catalog_pages_with_cursors_and_reports_changes(hq, session):
    first = pull(session, hq.url, "/v1/catalog", limit=2)
    assert [p["id"] for p in first["products"]] == ["rm-1", "rm-2"]
    assert first["has_more"] is True
    rest = pull(session, hq.url, "/v1/catalog", since=first["next_cursor"], limit=10)
    assert [p["id"] for p in rest["products"]] == ["rm-3", "rm-4", "rm-5"]
    assert rest["has_more"] is False
    assert rest["products"][0]["images"] == ["/v1/images/rm-3-1.jpg"]

    quiet = pull(session, hq.url, "/v1/catalog", since=rest["next_cursor"])
    assert quiet == {"products": [], "deleted": [], "next_cursor": rest["next_cursor"], "has_more": False}

    hq.bump_catalog("rm-2", price={"amount": "99.00", "currency": "EUR"})
    hq.bump_catalog("rm-4", delete=True)
    hq.bump_catalog(product=product(6))
    changed = pull(session, hq.url, "/v1/catalog", since=rest["next_cursor"])
    assert [(p["id"], p["price"]["amount"]) for p in changed["products"]] == [("rm-2", "99.00"), ("rm-6", "129.00")]
    assert changed["deleted"] == ["rm-4"]
    whole = pull(session, hq.url, "/v1/catalog")
    assert sorted(p["id"] for p in whole["products"]) == ["rm-1", "rm-2", "rm-3", "rm-5", "rm-6"]


def test_bad_cursor_and_limit_are_400_naming_the_parameter(hq, session):
    stock_cursor = pull(session, hq.url, "/v1/stock")["next_cursor"]
    for params, name in [({"since": "%%%"}, "since"), ({"since": stock_cursor}, "since"),
                         ({"limit": "0"}, "limit"), ({"limit": "many"}, "limit")]:
        answer = session.get(hq.url + "/v1/catalog", params=params, timeout=10)
        assert answer.status_code == 400
        assert answer.json()["error"].startswith(name + ":")


def test_stock_pages_and_reports_changes(hq, session):
    first = pull(session, hq.url, "/v1/stock", limit=3)
    assert first["has_more"] is True and len(first["levels"]) == 3
    rest = pull(session, hq.url, "/v1/stock", since=first["next_cursor"])
    assert rest["has_more"] is False and len(rest["levels"]) == 2
    hq.set_stock("RM-1-M-BLK", "store:paris-marais", 0)
    hq.set_stock("RM-1-M-BLK", "online", 12)
    changed = pull(session, hq.url, "/v1/stock", since=rest["next_cursor"])["levels"]
    assert [(lv["location"], lv["on_hand"]) for lv in changed] == [("store:paris-marais", 0), ("online", 12)]
    assert all(lv["updated_at"] for lv in changed)


def test_images_need_the_token_and_answer_304_on_matching_etag(hq, session):
    url = hq.url + "/v1/images/rm-1-1.jpg"
    import requests

    assert requests.get(url, timeout=10).status_code == 401
    answer = session.get(url, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.content[:2] == b"\xff\xd8"
    etag = answer.headers["ETag"]
    again = session.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    other = session.get(url, headers={"If-None-Match": '"stale"'}, timeout=10)
    assert other.status_code == 200
    assert session.get(hq.url + "/v1/images/missing.jpg", timeout=10).status_code == 404
    assert session.get(hq.url + "/v1/images/..%2Fproducts.json", timeout=10).status_code == 404


def test_absent_assets_give_an_empty_catalog(tmp_path, session):
    running = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": "test-token-paris"},
                              catalog_dir=tmp_path / "nowhere")
    try:
        page = pull(session, running.url, "/v1/catalog")
        assert page["products"] == [] and page["has_more"] is False
        assert pull(session, running.url, "/v1/stock")["levels"] == []
        running.bump_catalog(product=product(1))
        assert [p["id"] for p in pull(session, running.url, "/v1/catalog", since=page["next_cursor"])["products"]] == ["rm-1"]
    finally:
        running.stop()


def test_a_malformed_catalog_file_names_the_file_and_field(tmp_path):
    import pytest

    from hq.errors import CatalogFileError

    directory = tmp_path / "bad"
    directory.mkdir()
    (directory / "products.json").write_text('[{"name": {}}]', encoding="utf-8")
    with pytest.raises(CatalogFileError, match=r"products\.json: \[0\]\.id: required"):
        serve_in_thread(tmp_path / "hq.db", catalog_dir=directory)
