"""Tables printed by analyze and bench."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def stage_table(stats: Mapping[str, Any]) -> str:
    """Per-stage latency table (ms) from a metrics snapshot."""
    rows = [f"{'stage':<14}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}{'count':>9}"]
    for name, row in stats.get("stage_ms", {}).items():
        rows.append(
            f"{name:<14}{row['p50']:>10.3f}{row['p95']:>10.3f}{row['p99']:>10.3f}{row['mean']:>10.3f}{row['count']:>9}"
        )
    return "\n".join(rows)
