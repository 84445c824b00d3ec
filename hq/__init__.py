"""Vitrine's HQ server: the whole profile API v1 contract on SQLite or PostgreSQL, served by uvicorn.

    from hq.embedded import serve_in_thread
    hq = serve_in_thread(tmp_path / "hq.db")
    hq.url        # -> "http://127.0.0.1:54321"
    hq.stop()
"""
