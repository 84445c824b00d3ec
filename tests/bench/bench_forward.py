"""Benchmark forwarding to a Segment-style receiver (tests/hq/segment_double.py, a TEST DOUBLE on 127.0.0.1).

Prints, with the load average:
1. the cost of queueing at ingest: HQStore.add_events of 500-event batches with and without
   the forwarding queue, events/s and the ratio;
2. forwarding throughput: a queue of N events drained by 1, 2 and 4 forwarders (processes, as
   HQ's workers are; the receiver runs in this one), events/s against the same batches POSTed straight to the
   receiver (the ceiling of the receiver and HTTP here), medians of several runs, with the CPU
   milliseconds per 1,000 events of the forwarders, the PostgreSQL server and the receiver
   (load-independent, unlike the rates);
3. lag after an outage: events arrive at a steady rate while the receiver answers 503 for
   OUTAGE seconds (60 by default: the issue's 10 minutes scaled down; --outage-s 600 runs it
   in full), then how long until the queue is down to a second's worth of events (one forwarder,
   the default backoff: up to 30 s between attempts, so up to 30 s of the lag is waiting).

With --http-ingest WORKERS, also HTTP ingest from 50 stores (bench_hq_ingest's load) into
WORKERS HQ processes with forwarding off, then on (forwarding as it ingests), run by run.

    python tests/bench/bench_forward.py [--sqlite] [--events 30000] [--runs 3] [--rate 1000] [--outage-s 60]
                                        [--forwarders 1,2,4] [--skip-outage] [--http-ingest 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hq"))
import bench_hq_ingest as ingest_bench  # noqa: E402  (its 50-store load, for --http-ingest)
from pg_cluster import PgCluster  # noqa: E402
from segment_double import SegmentDouble  # noqa: E402

from hq.forward import ForwardConfig, Forwarder, queue_stats  # noqa: E402
from hq.forward.attach import attach  # noqa: E402
from hq.forward.batching import batch_body, pack  # noqa: E402
from hq.forward.forwarder import _encode  # noqa: E402
from hq.forward.queue import QueuedEvent  # noqa: E402
from hq.store import HQStore  # noqa: E402
from hq.validation import check_event  # noqa: E402

KEY = "wk-bench-DEVELOPMENT"
ROOT = Path(__file__).resolve().parents[2]
BATCH = 500


def events(first: int, count: int, tag: str) -> list[dict]:
    return [{"id": f"{tag}-{n}", "type": "product_viewed", "occurred_at": "2026-11-23T14:05:09.120+01:00",
             "device_id": f"kiosk-{n % 4}", "seq": n // 4 + 1, "profile_id": None, "claim_code": None,
             "payload": {"product_id": f"rm-{n % 90}", "sku": f"RM-{n % 90}-M-BLK", "dwell_ms": n % 5000}}
            for n in range(first, first + count)]


def fill(store: HQStore, count: int, tag: str) -> float:
    """Store count events in 500-event batches; return seconds taken."""
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        store.add_events("paris-marais", "bridge-1", events(first, min(BATCH, count - first), tag), check_event)
    return time.perf_counter() - started


def ingest_cost(new_db, count: int) -> tuple[float, float]:
    """events/s of add_events without and with the forwarding queue."""
    plain = HQStore(new_db())
    try:
        without = count / fill(plain, count, "plain")
    finally:
        plain.close()
    queued = HQStore(new_db())
    try:
        attach(queued, ForwardConfig("http://127.0.0.1:9", KEY), run=False)
        with_queue = count / fill(queued, count, "queued")
    finally:
        queued.close()
    return without, with_queue


def forwarder_process(database: str, receiver: str, config: dict, ready, go, stop, cpu) -> None:
    """One HQ worker's forwarder in its own process (as with --workers), until stop is set; reports its CPU seconds."""
    store = HQStore(database)
    forwarder = Forwarder(store.db, ForwardConfig(receiver, KEY, **config))
    ready.release()
    go.wait()
    started = time.process_time()
    forwarder.start()
    stop.wait()
    forwarder.stop()
    cpu.put(time.process_time() - started)
    store.close()


def start_forwarders(database: str, receiver: str, count: int, **config):
    """count forwarder processes, started together; returns their stop event and the processes."""
    ctx = multiprocessing.get_context("spawn")
    ready, go, stop, cpu = ctx.Semaphore(0), ctx.Event(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=forwarder_process, args=(database, receiver, config, ready, go, stop, cpu))
             for _ in range(count)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    go.set()
    return stop, (procs, cpu)


def stop_forwarders(stop, procs) -> float:
    """Stop them; their CPU seconds, added up."""
    procs, cpu = procs
    stop.set()
    used = sum(cpu.get(timeout=60) for _ in procs)
    for proc in procs:
        proc.join(60)
    return used


def cpu_seconds(pids: list[int]) -> float:
    """user + system CPU seconds of these processes so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def postgres_pids(cluster: PgCluster | None) -> list[int]:
    """The cluster's server processes (the postmaster's children), for their CPU time."""
    if cluster is None:
        return []
    with open(cluster.folder / "data" / "postmaster.pid", encoding="ascii") as pid_file:
        postmaster = int(pid_file.readline())
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        children.append(int(entry))
            except OSError:
                continue
    return children


def drain(new_db, double: SegmentDouble, count: int, forwarders: int, cluster: PgCluster | None) -> dict:
    """events/s for `forwarders` forwarder processes to empty a queue of count events into the receiver,
    and CPU ms per 1,000 events of the forwarders, the PostgreSQL server and this process (the receiver)."""
    database = new_db()
    store = HQStore(database)
    try:
        attach(store, ForwardConfig(double.url, KEY), run=False)
        fill(store, count, f"d{forwarders}-{time.monotonic_ns()}")
    finally:
        store.close()
    before = len(double.messages)
    stop, procs = start_forwarders(database, double.url, forwarders, idle_poll_s=0.01)
    server = postgres_pids(cluster)
    server_cpu, own_cpu = cpu_seconds(server), time.process_time()
    started = time.perf_counter()
    assert double.wait_for_total(before + count, timeout_s=600), "forwarding did not finish"
    elapsed = time.perf_counter() - started
    server_cpu, own_cpu = cpu_seconds(server) - server_cpu, time.process_time() - own_cpu
    forwarder_cpu = stop_forwarders(stop, procs)
    per_k = 1000_000 / count
    return {"rate": count / elapsed, "forwarders_ms": forwarder_cpu * per_k, "postgres_ms": server_cpu * per_k,
            "receiver_ms": own_cpu * per_k}


def ceiling(double: SegmentDouble, count: int) -> float:
    """events/s of the same messages POSTed straight to the receiver, one request after another."""
    rows = [QueuedEvent(n, e["id"], "paris-marais", 0, e, "bridge-1", None)
            for n, e in enumerate(events(0, count, f"c-{time.monotonic_ns()}"))]
    groups = pack([(r, _encode(r)) for r in rows], 500_000)
    with requests.Session() as session:
        started = time.perf_counter()
        for group in groups:
            body = batch_body([m for _, m in group], "2026-12-02T07:00:00.000Z")
            answer = session.post(double.url + "/v1/batch", data=body, auth=(KEY, ""), timeout=60,
                                  headers={"Content-Type": "application/json"})
            assert answer.status_code == 200
        return count / (time.perf_counter() - started)


def outage_lag(new_db, double: SegmentDouble, rate: int, outage_s: float) -> dict:
    """Steady ingest at rate events/s; the receiver down for outage_s; seconds to catch up after."""
    database = new_db()
    store = HQStore(database)
    attach(store, ForwardConfig(double.url, KEY), run=False)
    stop_ingest = threading.Event()
    sent = [0]

    def ingest() -> None:
        tick = 0.1
        while not stop_ingest.is_set():
            started = time.monotonic()
            n = max(1, int(rate * tick))
            store.add_events("paris-marais", "bridge-1", events(sent[0], n, "o"), check_event)
            sent[0] += n
            stop_ingest.wait(max(0.0, tick - (time.monotonic() - started)))

    before = len(double.messages)
    double.outage(503)
    stop, procs = start_forwarders(database, double.url, 1, idle_poll_s=0.05)
    writer = threading.Thread(target=ingest)
    writer.start()
    time.sleep(outage_s)  # the outage itself (the benchmark's subject, not a synchronisation)
    backlog = queue_stats(store.db)["queued"]
    double.recover()
    recovered = time.monotonic()
    while queue_stats(store.db)["queued"] > rate:  # caught up: no more than a second's worth waiting
        time.sleep(0.05)
    caught_up = time.monotonic() - recovered
    stop_ingest.set()
    writer.join()
    assert double.wait_for_total(before + sent[0], timeout_s=300)
    stop_forwarders(stop, procs)
    store.close()
    return {"backlog": backlog, "caught_up_s": caught_up, "events": sent[0]}


def start_hq_process(database: str, workers: int, forward_to: str | None, key_file: Path):
    """`vitrine-hq serve` with 50 store tokens, forwarding to forward_to if given; (process, URL)."""
    args = [sys.executable, "-m", "hq", "serve", "--database", database, "--port", "0", "--no-seed",
            "--workers", str(workers)]
    for n in range(ingest_bench.STORES):
        args += ["--token", f"store-{n}=t-{n}"]
    if forward_to:
        args += ["--forward-url", forward_to, "--forward-write-key-file", str(key_file)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            start_new_session=True)
    line = proc.stdout.readline()
    if not line.startswith("vitrine-hq listening on "):
        raise SystemExit(f"HQ did not start: {line!r}")
    url = line.split()[-1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/readyz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.05)
    return proc, url


def http_ingest(new_db, double: SegmentDouble, workers: int, per_store: int, forward: bool, key_file: Path) -> float:
    """events/s of POST /v1/events from 50 stores (bench_hq_ingest's load), forwarding on or off."""
    all_batches = [ingest_bench.make_batches(n, per_store) for n in range(ingest_bench.STORES)]
    proc, url = start_hq_process(new_db(), workers, double.url if forward else None, key_file)
    latencies: list[float] = []
    errors: list[str] = []
    try:
        threads = [threading.Thread(target=ingest_bench.store_loop, args=(url, n, all_batches[n], latencies, errors))
                   for n in range(ingest_bench.STORES)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
        proc.stdout.close()
    if errors:
        raise SystemExit(f"ingest errors: {errors[:2]}")
    return ingest_bench.STORES * per_store * ingest_bench.BATCH / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite files instead of a PostgreSQL cluster")
    parser.add_argument("--events", type=int, default=30_000, help="events per throughput run")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--rate", type=int, default=1_000, help="events/s arriving during the outage test")
    parser.add_argument("--outage-s", type=float, default=60.0, help="receiver outage (the issue's: 600)")
    parser.add_argument("--forwarders", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2, 4],
                        help="forwarder process counts to measure, comma-separated (default 1,2,4)")
    parser.add_argument("--skip-outage", action="store_true", help="leave out the outage test")
    parser.add_argument("--http-ingest", type=int, default=0, metavar="WORKERS",
                        help="also: HTTP ingest from 50 stores into WORKERS HQ processes, forwarding on and off "
                             "(PostgreSQL only)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vhq-fwd-"))
    cluster = None if args.sqlite else PgCluster.start(durable=True)  # PostgreSQL's defaults, as bench_hq_ingest
    counter = iter(range(1_000_000))

    def new_db() -> str:
        return str(folder / f"hq-{next(counter)}.db") if cluster is None else cluster.new_database()

    double = SegmentDouble.start(write_key=KEY)
    try:
        backend = "SQLite" if cluster is None else "PostgreSQL"
        print(f"forwarding benchmark on {backend}, {os.cpu_count()} cores")
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        costs = [ingest_cost(new_db, args.events) for _ in range(args.runs)]
        without = statistics.median(c[0] for c in costs)
        with_queue = statistics.median(c[1] for c in costs)
        print(f"ingest (add_events, 500/batch): {without:,.0f} ev/s without queue, {with_queue:,.0f} with "
              f"(ratio {with_queue / without:.2f})")
        top = statistics.median(ceiling(double, args.events) for _ in range(args.runs))
        print(f"receiver ceiling (same batches POSTed directly): {top:,.0f} ev/s")
        for n in args.forwarders:
            runs = [drain(new_db, double, args.events, n, cluster) for _ in range(args.runs)]
            rate = statistics.median(r["rate"] for r in runs)
            cpu = {k: statistics.median(r[k] for r in runs) for k in ("forwarders_ms", "postgres_ms", "receiver_ms")}
            print(f"forwarding, {n} forwarder(s): {rate:,.0f} ev/s (ratio to ceiling {rate / top:.2f}; runs "
                  + ", ".join(f"{r['rate']:,.0f}" for r in runs) + "); CPU ms per 1,000 events: forwarders "
                  f"{cpu['forwarders_ms']:.1f}, PostgreSQL {cpu['postgres_ms']:.1f}, receiver {cpu['receiver_ms']:.1f}")
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        if args.http_ingest and cluster is not None:
            key_file = folder / "write.key"
            key_file.write_text(KEY + "\n", encoding="utf-8")
            key_file.chmod(0o600)
            for _ in range(args.runs):
                off = http_ingest(new_db, double, args.http_ingest, 4, False, key_file)
                on = http_ingest(new_db, double, args.http_ingest, 4, True, key_file)
                print(f"HTTP ingest, {args.http_ingest} worker(s), 50 stores x 4 x 500 events: {off:,.0f} ev/s "
                      f"without forwarding, {on:,.0f} with it running (ratio {on / off:.2f})")
            print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        if args.skip_outage:
            return
        lag = outage_lag(new_db, double, args.rate, args.outage_s)
        print(f"outage of {args.outage_s:.0f} s at {args.rate} ev/s: backlog {lag['backlog']:,} events, "
              f"caught up {lag['caught_up_s']:.1f} s after the receiver came back "
              f"(forwarding {lag['backlog'] / max(lag['caught_up_s'], 1e-9) + args.rate:,.0f} ev/s meanwhile, "
              f"{args.rate} ev/s of them new)")
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        double.stop()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
