"""Score a model on hand-labelled real expressions through the project's own tracker and classifier.

Each clip is tracked once from its first frame (as ``glimpse analyze --intervals`` does; ``--fresh-track``: a
fresh track per row from 15 frames before its onset), and each labelled row's (clip, onset, apex, class;
1-based frames) onset and apex aligned crops go through :class:`edge.engine.classifier.EngineClassifier`.
Used to *report* a model's real-face score; nothing here feeds training, selection or calibration.

Usage::

    python -m edge.train.realcheck tests/fixtures/realdev/expressions.csv --clips ../shared/clips
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from edge.engine.labels import COMPOSITE_CLASSES

#: Frames tracked before the onset so that the tracker's smoothing has settled.
LEAD_IN = 15


def _find_clip(clips: Path, name: str) -> Path | None:
    stem = Path(name).stem
    for folder in (clips, clips / "expressive"):
        if (folder / f"{stem}.mp4").is_file():
            return folder / f"{stem}.mp4"
    return None


def observe(path: Path, frames: set[int], tracker: Any, start: int = 1) -> dict[int, Any]:
    """Face observations at ``frames`` (1-based) of ``path``, one track from ``start`` on (as analyze runs)."""
    import cv2

    from edge.capture.base import Frame

    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.set(cv2.CAP_PROP_POS_FRAMES, start - 1)
    tracker.reset()
    got: dict[int, Any] = {}
    for n in range(start, max(frames) + 1):
        ok, bgr = cap.read()
        if not ok:
            break
        gray = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), np.uint8)
        obs = tracker.process(Frame(n, round((n - 1) * 1e9 / fps), gray, path.stem))
        if n in frames:
            got[n] = obs
    cap.release()
    return got


def crops(
    path: Path, onset: int, apex: int, tracker: Any, seen: dict[int, Any] | None = None
) -> tuple[Any, Any] | None:
    """(onset, apex) observations: from ``seen`` (a whole-clip track) or a fresh track from ``LEAD_IN`` before."""
    got = seen if seen is not None else observe(path, {onset, apex}, tracker, max(1, onset - LEAD_IN))
    if onset not in got or apex not in got or not got[onset].usable or not got[apex].usable:
        return None
    return got[onset], got[apex]


def score(
    rows: list[dict[str, str]], clips: Path, model: str | None = None, flow: str | None = None, fresh: bool = False
) -> dict[str, Any]:
    """Per-row answers and the overall / per-class scores of ``rows`` (dicts with clip, onset, apex, class).

    Each clip is tracked once from its first frame, as ``glimpse analyze --intervals`` does; ``fresh`` gives
    every row its own track from ``LEAD_IN`` frames before its onset instead (a harsher check).
    """
    from edge.config.model import GlimpseConfig
    from edge.engine.classifier import EngineClassifier
    from edge.engine.model import open_model
    from edge.face.tracker import MediaPipeTracker
    from edge.motion.features import EVENT_FLOW
    from edge.spotting.base import Interval

    answers = []
    tracks: dict[Path, dict[int, Any]] = {}
    with (
        MediaPipeTracker.from_config(GlimpseConfig()) as tracker,
        EngineClassifier(open_model(model) if model else open_model(), flow or EVENT_FLOW) as clf,
    ):
        for row in rows:
            onset, apex = int(row["onset"]), int(row["apex"])
            path = _find_clip(clips, row["clip"])
            if path is not None and not fresh and path not in tracks:
                wanted = {int(r[k]) for r in rows if r["clip"] == row["clip"] for k in ("onset", "apex")}
                tracks[path] = observe(path, wanted, tracker)
            pair = crops(path, onset, apex, tracker, None if fresh else tracks[path]) if path else None
            out: dict[str, Any] = {"clip": row["clip"], "onset": onset, "apex": apex, "true": row["class"]}
            if pair is None:
                out.update(label="no_face", p=0.0)
            else:
                interval = Interval(onset, apex, apex, 0, 0, 0, "micro", 1.0)
                c = clf.classify(interval, *pair)
                out.update(
                    label=c.emotion,
                    p=c.emotion_scores.get(c.emotion, 0.0),
                    scores=[c.emotion_scores[k] for k in COMPOSITE_CLASSES],
                    aus=[a.au for a in c.action_units],
                    au_p={a.au: a.p for a in c.action_units},
                )
            answers.append(out)
    right = [a["label"] == a["true"] for a in answers]
    per_class = {
        c: {
            "n": sum(a["true"] == c for a in answers),
            "right": sum(r for a, r in zip(answers, right, strict=True) if a["true"] == c),
        }
        for c in COMPOSITE_CLASSES
    }
    pred = np.asarray([COMPOSITE_CLASSES.index(a["label"]) if a["label"] in COMPOSITE_CLASSES else -1 for a in answers])
    true = np.asarray([COMPOSITE_CLASSES.index(a["true"]) for a in answers])
    from edge.train.calibrate import uf1_uar

    uf1, uar = uf1_uar(pred, true) if answers else (0.0, 0.0)
    return {
        "n": len(answers),
        "right": sum(right),
        "uf1": uf1,
        "uar": uar,
        "per_class": per_class,
        "emfacs": _emfacs(answers, true),
        "answers": answers,
    }


def _emfacs(answers: list[dict[str, Any]], true: np.ndarray) -> dict[str, Any]:
    """The emotion head against the EMFACS reading of the reported AUs (p >= 0.5; rows with none have no reading)."""
    from edge.engine.labels import ENGINE_AUS
    from edge.train.calibrate import combine, emfacs_scores, uf1_uar

    done = [i for i, a in enumerate(answers) if "scores" in a]
    if not done:
        return {}
    au = np.asarray([[answers[i]["au_p"].get(x, 0.0) for x in ENGINE_AUS] for i in done], np.float64)
    emotion = np.asarray([answers[i]["scores"] for i in done], np.float64)
    read = [i for i, row in enumerate(au) if row.max() >= 0.5]
    emfacs = emfacs_scores(au)
    return {
        "rows_with_a_reading": len(read),
        "agreement": round(float(np.mean(emotion[read].argmax(1) == emfacs[read].argmax(1))), 4) if read else None,
        "uf1_uar_emfacs_where_read": uf1_uar(emfacs[read].argmax(1), true[done][read]) if read else None,
        "uf1_uar_emotion_where_read": uf1_uar(emotion[read].argmax(1), true[done][read]) if read else None,
        "uf1_uar_mix_w0.25": uf1_uar(combine(emotion, emfacs, 0.25).argmax(1), true[done]),
    }


def card_section(result: dict[str, Any], labels: Path) -> str:
    """The model card's "Real dev set" section for a :func:`score` result."""
    pc = result["per_class"]
    em = result.get("emfacs") or {}
    return (
        "\n".join(
            [
                "## Real dev set (report only)",
                f"`{labels.name}` ({result['n']} hand-labelled real expressions with a composite class, "
                "labelled by eye by one engineer; tests/fixtures/realdev/README.md), each tracked by the project's "
                "tracker and "
                "classified from its onset and apex crops by the runtime classifier: "
                f"**{result['right']}/{result['n']} right, UF1 {result['uf1']:.4f}, UAR {result['uar']:.4f}** "
                + ", ".join(f"{c} {v['right']}/{v['n']}" for c, v in pc.items())
                + ". Never used for training, selection or calibration; too small and too posed to be a benchmark.",
                "Emotion head vs the EMFACS reading of the reported AUs, on the "
                f"{em.get('rows_with_a_reading', 0)} rows with an AU >= 0.5: agreement "
                f"{em.get('agreement')}; UF1/UAR there: emotion head "
                f"{em.get('uf1_uar_emotion_where_read')}, EMFACS reading {em.get('uf1_uar_emfacs_where_read')}.",
                "Reproduce: `python -m edge.train.realcheck tests/fixtures/realdev/expressions.csv --card "
                "models/glimpse_me.card.md` (written by that command after `glimpse train`).",
            ]
        )
        + "\n\n"
    )


def put_section(card: Path, section: str) -> None:
    """Replace (or insert before "## Intended use") the card's "## Real dev set" section."""
    text = card.read_text()
    head = "## Real dev set"
    if head in text:
        start = text.index(head)
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    elif "## Intended use" in text:
        at = text.index("## Intended use")
        text = text[:at] + section + text[at:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    card.write_text(text)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a labels CSV (clip, onset, apex and a ``class`` or ``label`` column) with a composite class."""
    with path.open(newline="") as fh:
        rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)]
    for row in rows:
        row.setdefault("class", row.get("label", ""))
    return [r for r in rows if r["class"] in COMPOSITE_CLASSES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--clips", type=Path, default=Path(__file__).resolve().parents[4] / "shared" / "clips")
    parser.add_argument("--model", default=None)
    parser.add_argument("--fresh-track", action="store_true", help="a fresh track per row from 15 frames before onset")
    parser.add_argument("--card", type=Path, default=None, help="write the result into this model card")
    parser.add_argument("--flow", default=None, help="event flow (default: the one the shipped model was trained with)")
    args = parser.parse_args(argv)
    result = score(read_rows(args.labels), args.clips, args.model, args.flow, args.fresh_track)
    print(json.dumps(result, indent=1))
    if args.card is not None:
        put_section(args.card, card_section(result, args.labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
