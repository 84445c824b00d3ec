"""GET /v1/catalog, /v1/stock and /v1/images/{name}: the paged feeds and the catalog's images."""

from __future__ import annotations

import hashlib
import mimetypes

from starlette.responses import Response

from hq.catalog_files import image_file
from hq.errors import HTTPFailure
from hq.feeds import catalog_page, stock_page
from hq.web.call import Call, json_response


def get_catalog(call: Call) -> Response:
    return json_response(200, catalog_page(call.state.store, call.query.get("since"), call.query.get("limit")))


def get_stock(call: Call) -> Response:
    return json_response(200, stock_page(call.state.store, call.query.get("since"), call.query.get("limit")))


def get_image(call: Call) -> Response:
    name = call.params["name"]
    path = image_file(call.state.catalog_dir, name)
    if path is None:
        raise HTTPFailure(404, f"no such image: {name}")
    data = path.read_bytes()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    wanted = [t.strip() for t in call.headers.get("if-none-match", "").split(",")]
    if etag in wanted or "*" in wanted:
        return Response(b"", 304, {"ETag": etag})
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(data, 200, {"ETag": etag, "Cache-Control": "no-cache"}, media_type=kind)
