"""Leave-one-subject-out folds: one fold per subject, that subject's samples are the test set.

Subjects are compared as given; for a composite of datasets pass ``(dataset, subject)`` pairs so that subject
``"1"`` of one dataset is not merged with subject ``"1"`` of another.

Example::

    for fold in loso_folds([(s.dataset, s.subject) for s in samples]):
        train = [samples[i] for i in fold.train]
        test = [samples[i] for i in fold.test]
        # fit on train only; never select an epoch or threshold on test
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from edge.errors import DatasetError


@dataclass(frozen=True, slots=True)
class Fold:
    """One LOSO fold: the held-out subject and the sample indices of the train and test sets."""

    subject: Hashable
    train: tuple[int, ...]
    test: tuple[int, ...]


def loso_folds(subjects: Sequence[Hashable]) -> list[Fold]:
    """Return one fold per distinct subject (in order of first appearance) for ``subjects[i]`` of sample i.

    Raises :class:`DatasetError` when there are fewer than two subjects: LOSO needs a subject to train on.
    """
    order: dict[Hashable, list[int]] = {}
    for index, subject in enumerate(subjects):
        order.setdefault(subject, []).append(index)
    if len(order) < 2:
        raise DatasetError(f"leave-one-subject-out needs at least 2 subjects; got {list(order)!r}")
    folds = []
    for subject, test in order.items():
        held_out = set(test)
        train = tuple(i for i in range(len(subjects)) if i not in held_out)
        folds.append(Fold(subject=subject, train=train, test=tuple(test)))
    return folds
