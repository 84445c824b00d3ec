"""Per-device sequence tracking: which `seq` numbers are missing below the highest one received.

Kept incrementally (one small update per device per batch) so ingest needs no index on seq:

    device = DeviceSeqs()
    for seq in (1, 2, 5, 3):
        device.observe(seq)
    device.gaps  # -> [[4, 4]]
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass
class DeviceSeqs:
    """The seqs one device has delivered: a count, the highest, and the missing ranges below it."""

    count: int = 0
    max_seq: int = 0
    gaps: list[list[int]] = field(default_factory=list)  # sorted, inclusive [first, last]

    def observe(self, seq: int) -> None:
        """Record that seq arrived (late arrivals fill their gap)."""
        self.count += 1
        if seq > self.max_seq:
            if seq > self.max_seq + 1:
                self.gaps.append([self.max_seq + 1, seq - 1])
            self.max_seq = seq
            return
        i = bisect.bisect_right(self.gaps, [seq, float("inf")]) - 1
        if i < 0 or not self.gaps[i][0] <= seq <= self.gaps[i][1]:
            return  # a seq seen before under another id: not a gap
        first, last = self.gaps[i]
        pieces = [r for r in ([first, seq - 1], [seq + 1, last]) if r[0] <= r[1]]
        self.gaps[i:i + 1] = pieces

    def missing(self) -> int:
        return sum(last - first + 1 for first, last in self.gaps)
