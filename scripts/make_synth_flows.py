#!/usr/bin/env python3
"""Write a flow-image manifest from edge.synth renders, in the format ``glimpse train --flows`` reads.

    .venv/bin/python scripts/make_synth_flows.py OUT_DIR [--pairs 240] [--seed 11]
    .venv/bin/glimpse train --flows OUT_DIR/manifest.csv --out /tmp/flows-run --epochs 30 --threads 1

Each onset/apex pair of :func:`edge.synth.pairs.make_pairs` with a composite class becomes
``OUT_DIR/img/<subject>_<k>.png``: the engine's classification input (Farneback flow, head motion removed,
eyes masked; u, v, strain min-max normalised) as a 28x28 8-bit RGB PNG. The six pseudo-subjects are split
into two datasets (S01-S03 ``synth_a``, S04-S06 ``synth_b``) so per-dataset reports are exercised. These are
synthetic faces only: useful to try the command, not to measure anything about real micro-expressions.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from edge.engine.labels import COMPOSITE_CLASSES
from edge.motion.features import canonical_representation
from edge.synth.pairs import make_pairs
from edge.train.flows import write_flow_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pairs", type=int, default=240, help="pairs rendered (single-AU pairs are dropped)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    lines = ["path,subject,label,dataset"]
    for k, (onset, apex, labels) in enumerate(make_pairs(args.pairs, args.seed)):
        if labels["composite"] not in COMPOSITE_CLASSES:
            continue
        subject = str(labels["subject"])
        dataset = "synth_a" if subject in ("S01", "S02", "S03") else "synth_b"
        name = f"img/{subject}_{k:04d}.png"
        write_flow_image(args.out / name, canonical_representation(onset, apex))
        lines.append(f"{name},{subject},{labels['composite']},{dataset}")
    (args.out / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = Counter(line.split(",")[2] for line in lines[1:])
    print(f"{args.out / 'manifest.csv'}: {len(lines) - 1} images {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
