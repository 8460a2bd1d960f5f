"""Training data from the licensed datasets :mod:`edge.datasets` reads, and their LOSO estimate.

For every sample with a composite class (micro-expressions only unless macros are asked for) the onset and
apex frames are read, the face tracker runs on them with a fresh track (as the daemon would see the face),
and the onset-to-apex representation of the aligned crops is built exactly as the classifier builds it at
run time (:func:`edge.train.data.from_pairs`). A missing apex uses the middle frame between onset and
offset, noted as a quirk. The onset-to-offset pair of each sample (both ends of a coded movement are near
neutral) is a no-expression example for the spotting head only.

Leave-one-subject-out folds are keyed by ``(dataset, subject)``; synthetic data mixed in with
``--with-synth`` is always training data and never a test fold. The budget is fixed before any fold runs.

Example::

    prepared = prepare([DatasetRoot("casme2", Path("/data/CASME2"))], tracker)
    report = train_on_datasets(prepared, Path("/data/models"), "casme2_me", Budget(epochs=30))
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from edge.capture.base import Frame, GrayImage
from edge.datasets import Sample, load_dataset
from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS
from edge.errors import DatasetError
from edge.evaluation.formats import RecognitionRow
from edge.face.base import FaceTracker
from edge.train.data import TrainingSet, from_pairs

if TYPE_CHECKING:  # torch is imported only when a network is trained
    from edge.train.fit import Budget

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]

#: Subject key of synthetic rows mixed into dataset training (never a test fold).
SYNTHETIC = "synthetic"
_AU_NUMBER = re.compile(r"^AU(\d+)")


@dataclass(frozen=True, slots=True)
class DatasetRoot:
    """One ``--dataset NAME --root PATH`` pair."""

    name: str
    root: Path


@dataclass(slots=True)
class Prepared:
    """Training rows built from datasets (first ``n_real`` rows), optionally followed by synthetic rows.

    ``keys[i]`` is the LOSO key ``(dataset, subject)`` of row ``i``; ``clips[i]`` its clip name.
    """

    data: TrainingSet
    keys: list[tuple[str, str]]
    clips: list[str]
    n_real: int
    datasets: dict[str, dict[str, Any]]
    skipped_no_face: list[str] = field(default_factory=list)
    quirks: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """What the report and the model card say about the data."""
        return {
            "datasets": self.datasets,
            "skipped_no_face": len(self.skipped_no_face),
            "skipped_samples": self.skipped_no_face[:50],
            "quirks": self.quirks[:50],
            "quirk_count": len(self.quirks),
            "synthetic_rows": len(self.data) - self.n_real,
            "rest_pairs": int((self.data.label[: self.n_real] < 0).sum()),
        }


def select(samples: list[Sample], include_macro: bool = False) -> list[Sample]:
    """Samples with a composite class; micro-expressions only unless ``include_macro``."""
    return [s for s in samples if s.composite in COMPOSITE_CLASSES and (include_macro or s.kind == "micro")]


def apex_frame(sample: Sample, quirks: list[str]) -> int:
    """The apex, or the middle frame between onset and offset when the apex is unknown (noted in ``quirks``)."""
    if sample.apex is not None:
        return sample.apex
    middle = (sample.onset + sample.offset) // 2
    quirks.append(f"{sample.dataset} {sample.name!r}: apex unknown -> middle frame {middle}")
    return middle


def read_gray(sample: Sample, n: int) -> GrayImage:
    """Frame ``n`` of ``sample`` as 8-bit gray; raises :class:`DatasetError` naming the sample and path."""
    import cv2

    path = sample.frame_path(n)
    where = f"{sample.dataset} sample {sample.name!r} ({sample.source or sample.clip})"
    if not path.is_file():
        raise DatasetError(f"{where}: frame {n} {str(path)!r} does not exist; expected an image file")
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None or image.ndim != 2 or min(image.shape) < 8:
        raise DatasetError(f"{where}: frame {n} {str(path)!r} is not a readable image; expected a JPEG/PNG frame")
    return np.asarray(image, dtype=np.uint8)


def align(tracker: FaceTracker, sample: Sample, frames: list[int]) -> dict[int, GrayImage] | None:
    """Aligned crops of ``frames`` from a fresh track (frames fed in time order); None when a face is lost."""
    tracker.reset()
    crops: dict[int, GrayImage] = {}
    for n in sorted(set(frames)):
        t_ns = round((n - 1) * 1e9 / sample.fps)
        obs = tracker.process(Frame(n, t_ns, read_gray(sample, n), f"{sample.dataset}:{sample.clip}"))
        if not obs.usable or obs.aligned is None:
            return None
        crops[n] = obs.aligned
    return crops


def engine_aus(aus: tuple[str, ...]) -> tuple[int, ...]:
    """Dataset AU tokens (``AU4``, ``AU12R``) -> the AU numbers the engine's AU head predicts."""
    numbers = {int(m.group(1)) for a in aus if (m := _AU_NUMBER.match(a))}
    return tuple(a for a in ENGINE_AUS if a in numbers)


def sample_pairs(tracker: FaceTracker, sample: Sample, quirks: list[str], rest_pairs: bool = True) -> list[Any] | None:
    """The expressive pair (and the onset-to-offset rest pair) of one sample; None when no face was found."""
    from edge.train.synthfaces import Pair

    apex = apex_frame(sample, quirks)
    frames = [sample.onset, apex] + (
        [sample.offset] if rest_pairs and sample.offset not in (sample.onset, apex) else []
    )
    crops = align(tracker, sample, frames)
    if crops is None:
        return None
    subject = f"{sample.dataset}/{sample.subject}"
    label = COMPOSITE_CLASSES.index(str(sample.composite))
    pairs = [Pair(crops[sample.onset], crops[apex], label, engine_aus(sample.aus), subject, True)]
    if len(frames) == 3:
        pairs.append(Pair(crops[sample.onset], crops[sample.offset], -1, (), subject, False))
    return pairs


def load_all(roots: list[DatasetRoot], include_macro: bool = False, cropped: bool = False) -> list[Sample]:
    """Every selected sample of every dataset, in the given order (``cropped``: CASME II's Cropped/ frames)."""
    samples: list[Sample] = []
    for spec in roots:
        options: dict[str, object] = {"cropped": True} if cropped and spec.name == "casme2" else {}
        loaded = load_dataset(spec.name, spec.root, **options)
        chosen = select(loaded, include_macro)
        logger.info("%s: %d samples, %d with a composite class used", spec.name, len(loaded), len(chosen))
        samples += chosen
    return samples


def prepare(
    samples: list[Sample], tracker: FaceTracker, method: str = "farneback", rest_pairs: bool = True
) -> Prepared:
    """Track, align and featurise ``samples``; raises :class:`DatasetError` when no sample has a face."""
    pairs: list[Any] = []
    keys: list[tuple[str, str]] = []
    clips: list[str] = []
    skipped: list[str] = []
    quirks: list[str] = [f"{s.dataset} {s.name!r}: {q}" for s in samples for q in s.quirks]
    for sample in samples:
        got = sample_pairs(tracker, sample, quirks, rest_pairs)
        if got is None:
            skipped.append(f"{sample.dataset}/{sample.subject}/{sample.name}")
            logger.warning("%s %r: no face found; sample skipped", sample.dataset, sample.name)
            continue
        pairs += got
        keys += [(sample.dataset, sample.subject)] * len(got)
        clips += [sample.name] * len(got)
    if not any(p.expressive for p in pairs):
        raise DatasetError(
            f"no usable sample: {len(samples)} selected, {len(skipped)} without a face; expected at least one "
            "labelled sample whose face is found (pre-cropped frames: --set face.tracker=fullframe)"
        )
    logger.info(
        "%d samples prepared, %d skipped (no face), %d quirks", len(samples) - len(skipped), len(skipped), len(quirks)
    )
    names = sorted({k[0] for k in keys})
    data = from_pairs(pairs, "+".join(names), method)
    return Prepared(data, keys, clips, len(data), _per_dataset(samples, keys, data, skipped), skipped, quirks)


def _per_dataset(
    samples: list[Sample], keys: list[tuple[str, str]], data: TrainingSet, skipped: list[str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in sorted({s.dataset for s in samples}):
        rows = [i for i, k in enumerate(keys) if k[0] == name]
        labels = Counter(COMPOSITE_CLASSES[data.label[i]] for i in rows if data.label[i] >= 0)
        out[name] = {
            "selected": sum(s.dataset == name for s in samples),
            "used": sum(labels.values()),
            "skipped_no_face": sum(k.startswith(f"{name}/") for k in skipped),
            "subjects": len({keys[i][1] for i in rows}),
            "classes": {c: labels.get(c, 0) for c in COMPOSITE_CLASSES},
            "kinds": dict(Counter(s.kind for s in samples if s.dataset == name)),
        }
    return out


def with_synthetic(prepared: Prepared, synthetic: TrainingSet) -> Prepared:
    """Append synthetic rows (always training data, keyed ``("synthetic", subject)``)."""
    a, b = prepared.data, synthetic
    data = TrainingSet(
        np.concatenate([a.x_cls, b.x_cls]),
        np.concatenate([a.x_spot, b.x_spot]),
        np.concatenate([a.label, b.label]),
        np.concatenate([a.spot, b.spot]),
        np.concatenate([a.au, b.au]),
        a.subject + [f"{SYNTHETIC}/{s}" for s in b.subject],
        f"{a.source}+{b.source}",
    )
    keys = prepared.keys + [(SYNTHETIC, s) for s in b.subject]
    clips = prepared.clips + [f"{SYNTHETIC}{i}" for i in range(len(b))]
    return Prepared(data, keys, clips, prepared.n_real, prepared.datasets, prepared.skipped_no_face, prepared.quirks)


def folds(prepared: Prepared) -> list[tuple[tuple[str, str], IntArray, IntArray]]:
    """``(key, train rows, test rows)`` per ``(dataset, subject)`` of the real rows.

    Synthetic rows are training rows of every fold and never tested; test rows are the held-out subject's
    expressive rows (its rest pairs are left out of both sets). Subjects with nothing to test are left out.
    """
    from edge.evaluation import loso_folds

    data, n_real = prepared.data, prepared.n_real
    synthetic = np.arange(n_real, len(data), dtype=np.int64)
    out = []
    for fold in loso_folds(prepared.keys[:n_real]):
        test = np.asarray([i for i in fold.test if data.label[i] >= 0], dtype=np.int64)
        if len(test):
            key = prepared.keys[int(test[0])]
            out.append((key, np.concatenate([np.asarray(fold.train, dtype=np.int64), synthetic]), test))
    return out


def loso_rows(prepared: Prepared, budget: Budget) -> list[RecognitionRow]:
    """Train a fresh network per fold of :func:`folds` with the fixed budget; one row per test sample."""
    from edge.train.fit import predict, train

    data = prepared.data
    rows: list[RecognitionRow] = []
    for (dataset, subject), train_idx, test in folds(prepared):
        net = train(data, train_idx, budget)
        _, emotion, _ = predict(net, data.x_cls[test])
        for i, probs in zip(test, emotion, strict=True):
            scores = {c: float(p) for c, p in zip(COMPOSITE_CLASSES, probs, strict=True)}
            true, pred = COMPOSITE_CLASSES[data.label[i]], max(scores, key=scores.__getitem__)
            rows.append(RecognitionRow(subject, prepared.clips[i], dataset, true, pred, scores))
        logger.info("fold %s/%s: %d test samples", dataset, subject, len(test))
    return rows


def write_rows(path: Path, rows: list[RecognitionRow]) -> Path:
    """The LOSO predictions as the CSV ``glimpse eval recognition --pred`` reads (with ``score_<class>``)."""
    import csv

    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "clip", "dataset", "true", "pred", *(f"score_{c}" for c in COMPOSITE_CLASSES)])
        for r in rows:
            writer.writerow(
                [r.subject, r.clip, r.dataset, r.true, r.pred, *(f"{r.scores[c]:.5f}" for c in COMPOSITE_CLASSES)]
            )
    return path


def loso_scores(prepared: Prepared, budget: Budget, csv_path: Path | None = None) -> dict[str, Any]:
    """UF1 / UAR pooled over the folds, overall and per dataset (edge.evaluation's recognition scoring).

    ``csv_path`` also receives the per-sample predictions for ``glimpse eval recognition``.
    """
    from edge.evaluation.recognition import score_recognition

    rows = loso_rows(prepared, budget)
    if csv_path is not None:
        write_rows(csv_path, rows)
    report = score_recognition(rows, list(COMPOSITE_CLASSES))

    def brief(scores: Any) -> dict[str, Any]:
        return {
            "uf1": round(scores.uf1, 4),
            "uar": round(scores.uar, 4),
            "accuracy": round(scores.accuracy, 4),
            "n": scores.n,
            "subjects": scores.n_subjects,
            "confusion": [list(r) for r in scores.confusion],
        }

    return {
        "protocol": "leave-one-subject-out over (dataset, subject), counts pooled over folds",
        **brief(report.overall),
        "datasets": {name: brief(s) for name, s in sorted(report.by_dataset.items())},
    }


def train_on_datasets(
    prepared: Prepared, out_dir: Path, name: str, budget: Budget, do_loso: bool = True, tracker: str = ""
) -> dict[str, Any]:
    """LOSO estimate, final fit on every row, FP32 + INT8 export and a dataset model card (the shared pipeline)."""
    from edge.train.pipeline import run

    extra = {"training_data": prepared.summary(), "face_tracker": tracker}
    return run(
        prepared.data,
        out_dir,
        name,
        budget,
        do_loso,
        evaluate=lambda _data, b: loso_scores(prepared, b, out_dir / f"{name}.loso.csv"),
        card=write_dataset_card,
        extra=extra,
    )


def write_dataset_card(path: Path, name: str, report: dict[str, Any], fp32: Path, int8: Path) -> Path:
    """The model card of a model trained on licensed datasets: data, licence, metrics, limits."""
    from edge.inference.base import sha256_file

    info, loso, p = report["training_data"], report.get("loso"), report["parity"]
    names = ", ".join(info["datasets"])
    lines = [
        f"# Model card: {name}",
        "",
        f"Trained by `glimpse train` on the licensed dataset(s) **{names}**"
        + (f" plus {info['synthetic_rows']} synthetic rows." if info["synthetic_rows"] else "."),
        "",
        "## Licence: read this first",
        f"This model was derived from {names}. **The licence under which you obtained those datasets governs this "
        "model** (most of them allow non-commercial research use only, and some forbid redistributing anything "
        "derived from the faces). It is not covered by Glimpse's licence. **Do not commit it to the Glimpse "
        "repository** and do not ship it with Glimpse; keep it where your dataset licence allows.",
        "",
        "## What it is",
        f"A {report['parameters']:,}-parameter network with spotting, emotion ({', '.join(COMPOSITE_CLASSES)}) "
        "and AU heads; input `x` float32 [N, 3, 28, 28] (u, v, optical strain of the aligned face; docs/engine.md).",
        f"- `{fp32.name}` FP32 ONNX; sha256 `{sha256_file(fp32)}`",
        f"- `{int8.name}` INT8 QDQ ONNX (symmetric, TensorRT explicit quantization); sha256 `{sha256_file(int8)}`",
        "",
        "## Training data",
        *_data_lines(report, name),
        "",
    ]
    lines += ["## Metrics", *_metric_lines(loso, report["budget"]), ""]
    lines += [
        f"FP32 vs INT8 on {p['samples']} samples: class agreement {p['class_agreement']:.4f}, max |Δp| "
        f"{p['emotion_max_abs_err']:.4f}.",
        "",
        "## Intended use and limits",
        "- A probabilistic observation of brief facial movement (class scores, AUs), never a verdict on what a "
        "person feels or whether they tell the truth; the field debates how far micro-expressions reveal emotion.",
        "- Learned from a few dozen lab participants per dataset, filmed frontally in even light while suppressing "
        "emotions elicited by video clips: expect lower accuracy on other people, cameras and settings.",
        "",
    ]
    path.write_text("\n".join(lines))
    return path


def _data_lines(report: dict[str, Any], name: str) -> list[str]:
    info = report["training_data"]
    lines = [
        f"Face tracker `{report.get('face_tracker') or 'default'}`, one fresh track per sample; onset-to-apex flow "
        f"of the aligned crops (missing apex: middle frame between onset and offset); {info['rest_pairs']} "
        "onset-to-offset pairs as no-expression examples for the spotting head only.",
    ]
    for dataset, d in info["datasets"].items():
        lines.append(
            f"- {dataset}: {d['used']} of {d['selected']} selected samples used ({d['skipped_no_face']} skipped, "
            f"no face), {d['subjects']} subjects, kinds {d['kinds']}, classes {d['classes']}"
        )
    return [*lines, f"- {info['quirk_count']} annotation quirks fixed (listed in `{name}.report.json`)"]


def _metric_lines(loso: dict[str, Any] | None, budget: dict[str, Any]) -> list[str]:
    if not loso:
        return ["No leave-one-subject-out estimate was run (`--no-loso`): this model has no measured accuracy."]
    lines = [
        f"Leave-one-subject-out over (dataset, subject), counts pooled over folds, {loso['n']} samples of "
        f"{loso['subjects']} subjects: **UF1 {loso['uf1']:.4f}, UAR {loso['uar']:.4f}**. Synthetic rows, if any, "
        "were training data in every fold and never tested.",
        f"Budget fixed before any fold ran and identical for every fold and the final model: {json.dumps(budget)}.",
    ]
    for dataset, d in loso["datasets"].items():
        lines.append(
            f"- {dataset}: UF1 {d['uf1']:.4f}, UAR {d['uar']:.4f} ({d['n']} samples, {d['subjects']} subjects)"
        )
    return lines
