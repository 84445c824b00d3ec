"""HQ's HTTP layer: a Starlette app (routes, middleware, request bodies) served by uvicorn."""
