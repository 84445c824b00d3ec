"""Forwarding accepted events to the brand's event pipeline (Segment's HTTP tracking API: Segment, RudderStack, Jitsu).

    hook = enqueue_hook(db.kind)                       # HQStore(db, on_accepted=hook): queued with the events
    forwarder = Forwarder(store.db, ForwardConfig(url, write_key)); forwarder.start()
    queue_stats(store.db)                              # {"queued", "leased", "delivered", "set_aside", ...}

See docs/forwarding.md for the mapping and the guarantees.
"""

from hq.forward.config import (
           ForwardConfig,
           ForwardConfigError,
           check_url,
           read_write_key,
)
from hq.forward.forwarder import Forwarder
from hq.forward.queue import enqueue_hook, queue_stats
from hq.forward.schema import migrate

__all__ = ["ForwardConfig", "ForwardConfigError", "Forwarder", "check_url", "enqueue_hook", "migrate",
           "queue_stats", "read_write_key"]
