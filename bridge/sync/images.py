"""Product images cached on local disk, so the kiosk shows them offline."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from bridge.errors import HQError, ResponseTooLarge
from bridge.sync.context import SyncContext

log = logging.getLogger("bridge.sync")


def cache_images(ctx: SyncContext, urls: list[str]) -> int:
    """Download each image not cached yet (or changed); a failure only marks it for the next pull."""
    cache_dir = ctx.settings.image_cache_path
    done = 0
    for i, url in enumerate(urls):
        try:
            path = _cache_image(ctx, cache_dir, url)
        except ResponseTooLarge as exc:  # this image only: HQ itself answers
            log.warning("image %s not cached: %s", url, exc)
            path = None
        except HQError as exc:
            log.warning("image %s not cached (%s); the rest waits for the next pull", url, exc)
            for later in urls[i:]:
                ctx.state.want_image(later)
            return done
        except OSError as exc:
            log.warning("image %s not cached: %s", url, exc)
            path = None
        if path:
            ctx.catalog.set_image_path(url, path)
            done += 1
        else:
            ctx.state.want_image(url)
    return done


def _cache_image(ctx: SyncContext, cache_dir: Path, url: str) -> str | None:
    cached = ctx.state.image(url)
    etag = cached[1] if cached and os.path.exists(cached[0]) else None
    answer = ctx.client.get_image(url, etag)
    if answer.status == 304 and cached:
        return cached[0]
    if answer.status != 200 or not answer.body:
        log.warning("image %s not cached: %s", url, answer.reason(80))
        return None
    suffix = Path(url.split("?", 1)[0]).suffix[:8] or ".img"
    name = hashlib.sha256(url.encode()).hexdigest()[:24] + suffix
    cache_dir.mkdir(parents=True, exist_ok=True)
    final = cache_dir / name
    tmp = final.with_suffix(final.suffix + ".part")
    tmp.write_bytes(answer.body)
    os.replace(tmp, final)  # atomic: a kiosk never reads half an image
    ctx.state.set_image(url, str(final), answer.header("etag"))
    return str(final)
