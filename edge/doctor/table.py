"""The doctor's table: one row per finding, the fix under each failure or warning."""

from __future__ import annotations

from collections.abc import Sequence

from edge.doctor.base import Finding, Status

MARK = {Status.OK: "ok", Status.SKIP: "skip", Status.WARN: "WARN", Status.FAIL: "FAIL"}


def render(findings: Sequence[Finding]) -> str:
    """A plain-text table (no colours: it ends up in journals and Ansible logs)."""
    width = max([len("check"), *(len(f.check) for f in findings)])
    lines = [f"{'check':<{width}}  {'status':<6}  detail", f"{'-' * width}  ------  {'-' * 40}"]
    for f in findings:
        lines.append(f"{f.check:<{width}}  {MARK[f.status]:<6}  {f.detail}")
        if f.fix and f.status in (Status.WARN, Status.FAIL):
            lines.append(f"{'':<{width}}  {'':<6}  fix: {f.fix}")
    fails = sum(f.status is Status.FAIL for f in findings)
    warns = sum(f.status is Status.WARN for f in findings)
    lines.append(f"{fails} failure(s), {warns} warning(s)")
    return "\n".join(lines)
