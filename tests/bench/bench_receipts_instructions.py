"""Instructions per receipt of POSLog ingest under callgrind: a load-independent CPU figure.

    python tests/bench/bench_receipts_instructions.py [-n 1000] [--tree DIR]

Runs valgrind --tool=callgrind twice on the same setup (a POSLog file of n sales, a
bridge whose catalog holds half the barcodes sold): once stopping before the ingest,
once ingesting; the difference divided by n is what one receipt costs, all included
(parse, normalise, record, stock). --tree runs another checkout of the project (e.g.
`git archive <commit> | tar -x -C DIR`) with this interpreter, for a before/after.
Slow (~1-2 minutes per 1,000 sales); wall-clock load does not change the counts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from callgrind import count_instructions  # noqa: E402

HERE = Path(__file__).resolve()
# The child: set up, then ingest only when asked; run with the tree's own modules first on the path.
CHILD = """
import sys, tempfile
from pathlib import Path
root = Path(sys.argv[1]); sys.path[:0] = [str(root), str(root / "tests" / "bench")]
from bridge.config import parse_settings
from bridge.facade import Bridge
from bridge.intake.ingest import ingest_path
from bench_receipts import catalog_for
from make_poslog import write_poslog
n, ingest = int(sys.argv[2]), sys.argv[3] == "ingest"
tmp = Path(tempfile.mkdtemp(dir=sys.argv[4]))
xml = write_poslog(n, tmp / "p.xml")
settings = parse_settings({"store": {"id": "paris-marais"}, "bridge": {"database": str(tmp / "b.db")}})
with Bridge.open(settings) as bridge:
    bridge.catalog.upsert_products(catalog_for(xml))
    if ingest:
        report = ingest_path(bridge, xml)
        assert report.recorded == n, report.summary()
"""


def instructions(tree: Path, n: int, mode: str, tmp: str) -> int:
    """Instructions callgrind counted for the child in mode (setup or ingest)."""
    return count_instructions(CHILD, str(tree), str(n), mode, tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--tree", type=Path, default=HERE.parents[2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup = instructions(args.tree, args.n, "setup", tmp)
        ingest = instructions(args.tree, args.n, "ingest", tmp)
    per = (ingest - setup) / args.n
    print(f"{args.tree}: {per / 1e3:,.0f} k instructions per receipt ({args.n} sales; "
          f"{ingest:,} with the ingest - {setup:,} without)")


if __name__ == "__main__":
    main()
