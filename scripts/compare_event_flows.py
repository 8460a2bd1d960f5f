"""Compare once-per-event flows on synthetic pairs with a known displacement (docs/engine.md, "Event flow").

Pairs: identity frames (edge.train.identities; real clips, read locally, nothing written) warped by a
random class recipe at a random intensity (no identity augmentation, sensor noise sigma 2 on both frames),
so the true flow is known. Per method: median cost per pair, correlation of the 28x28 min-max STSTNet
representation with that of the true flow (mean over u, v, strain), end-point error, sign agreement where
the true motion is large, and roughness (mean |du/dx| + |dv/dy|).

TV-L1 needs opencv-contrib (cv2.optflow), which Glimpse does not depend on: install it in a separate folder
and put it first on the path to include it, e.g.::

    pip install --no-deps --target /tmp/cvcontrib opencv-contrib-python-headless==<your opencv version>
    PYTHONPATH=/tmp/cvcontrib python scripts/compare_event_flows.py --pairs 40
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from edge.motion.features import event_flow, stst_input
from edge.motion.flow import optical_strain
from edge.train import corpus
from edge.train.identities import MARGIN, SCALE, load_identities

Flow = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _tvl1_half(tvl1: Any) -> Flow:
    def flow(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        half = [cv2.resize(x, (64, 64), interpolation=cv2.INTER_AREA) for x in (a, b)]
        f = cv2.resize(tvl1.calc(half[0], half[1], None), (128, 128), interpolation=cv2.INTER_LINEAR) * 2.0
        return f[..., 0], f[..., 1]

    return flow


def methods() -> dict[str, Flow]:
    out: dict[str, Flow] = {
        "farneback": lambda a, b: event_flow(a, b, "farneback"),
        "dis_medium": lambda a, b: event_flow(a, b, "dis_medium"),
        "dis_fast": lambda a, b: event_flow(a, b, "dis_fast"),
    }
    if hasattr(cv2, "optflow"):
        out["tvl1_half"] = _tvl1_half(cv2.optflow.DualTVL1OpticalFlow_create())
        fast = cv2.optflow.DualTVL1OpticalFlow_create(nscales=3, warps=3, epsilon=0.02, innnerIterations=20)
        out["tvl1_half_fast"] = _tvl1_half(fast)
        tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
        out["tvl1_full"] = lambda a, b: tuple(np.moveaxis(tvl1.calc(a, b, None), 2, 0))  # type: ignore[return-value]
    return out


def _crop(image: np.ndarray) -> np.ndarray:
    inner = image[MARGIN : MARGIN + 128 * SCALE, MARGIN : MARGIN + 128 * SCALE]
    return np.asarray(cv2.resize(inner, (128, 128), interpolation=cv2.INTER_AREA), np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    identities = load_identities()[1:]
    rng = np.random.default_rng(args.seed)
    flows = methods()
    stats: dict[str, dict[str, list[float]]] = {
        m: {k: [] for k in ("ms", "corr", "epe", "sign", "rough")} for m in flows
    }
    for k in range(args.pairs):
        subject = corpus.subject_of(identities[(k * 7) % len(identities)])
        _, recipe = corpus.draw_recipe(rng)
        field = corpus._field(subject, recipe, corpus.draw_intensity(rng), rng)
        frames = [_crop(subject.image), _crop(corpus._remap(subject.image, field))]
        a, b = (np.clip(f + rng.normal(0, 2, f.shape), 0, 255).astype(np.uint8) for f in frames)
        gu, gv = (_crop(field[c]) / SCALE for c in range(2))
        truth = stst_input(gu, gv, optical_strain(gu, gv))
        big = np.hypot(gu, gv) > 0.3 * max(1e-6, float(np.hypot(gu, gv).max()))
        for name, flow in flows.items():
            t0 = time.perf_counter()
            u, v = flow(a, b)
            stats[name]["ms"].append(1000 * (time.perf_counter() - t0))
            x = stst_input(u, v, optical_strain(u, v))
            corr = [np.corrcoef(x[c].ravel(), truth[c].ravel())[0, 1] for c in range(3) if truth[c].std() > 0]
            stats[name]["corr"].append(float(np.mean(corr)))
            stats[name]["epe"].append(float(np.hypot(u - gu, v - gv).mean()))
            stats[name]["sign"].append(float(np.mean((u * gu + v * gv)[big] > 0)))
            stats[name]["rough"].append(float(np.abs(np.diff(u, axis=1)).mean() + np.abs(np.diff(v, axis=0)).mean()))
    print("| method | ms/pair (median) | repr. corr. | EPE px | sign agreement | roughness |")
    print("|---|---|---|---|---|---|")
    for name, s in stats.items():
        print(
            f"| {name} | {np.median(s['ms']):.1f} | {np.mean(s['corr']):.3f} | {np.mean(s['epe']):.3f} | "
            f"{np.mean(s['sign']):.3f} | {np.mean(s['rough']):.4f} |"
        )


if __name__ == "__main__":
    main()
