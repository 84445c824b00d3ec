"""Vitrine's reference HQ server: the whole profile API v1 contract on SQLite, for development, demos and tests.

    from hq.server import serve_in_thread
    hq = serve_in_thread(tmp_path / "hq.db")
    hq.url        # -> "http://127.0.0.1:54321"
    hq.stop()
"""
