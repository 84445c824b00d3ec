"""Turn forwarding on for one HQ process: queue accepted events, and run a forwarder thread.

    forwarder = attach(store, ForwardConfig(url, write_key))   # before serving
    forwarder.stop()                                          # before store.close()
"""

from __future__ import annotations

import atexit

from hq.forward.config import ForwardConfig
from hq.forward.forwarder import Forwarder
from hq.forward.links import note_claim
from hq.forward.queue import enqueue_hook
from hq.forward.schema import migrate
from hq.store import HQStore


def attach(store: HQStore, config: ForwardConfig, *, run: bool = True) -> Forwarder:
    """Queue every event store accepts from now on; start forwarding the queue unless run is False."""
    migrate(store.db)
    store.on_accepted = enqueue_hook(store.db.kind)
    store.on_claimed = note_claim
    forwarder = Forwarder(store.db, config)
    if run:
        forwarder.start()
        # a worker told to stop (SIGTERM) finishes its request in flight and settles its events,
        # rather than leaving them to its lease (which would send them again)
        atexit.register(forwarder.stop)
    return forwarder
