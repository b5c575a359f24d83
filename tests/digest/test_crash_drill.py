"""The crash drill in small: ``digest send`` killed at random moments, settled, nobody missed or doubled.

The full drill (20 kills per mode) is ``tests/digest/drill.py``; docs/digest.md has its table.
"""

from __future__ import annotations

from .drill import MODES, _table, drill


def test_killed_at_random_moments_then_settled_everyone_gets_exactly_one_digest():
    rows = drill(2, subscribers=8, seed=14)
    assert [r.mode for r in rows] == [m for m in MODES for _ in range(2)]
    assert [(r.missed, r.duplicates) for r in rows] == [(0, 0)] * len(rows), _table(rows)
