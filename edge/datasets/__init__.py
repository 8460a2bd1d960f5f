"""Loaders for the licensed micro-expression datasets.

CASME II, SAMM, SAMM-LV, CAS(ME)^2, CAS(ME)^3 part A, SMIC-HS and the MEGC2019 composite. No dataset ships with
Glimpse: these read the annotation files a licensed user holds and yield one common :class:`Sample` type, in a
:class:`Samples` list that also names the rows skipped. openpyxl / xlrd are imported only when a workbook is
read.
"""

from edge.datasets.aus import parse_aus
from edge.datasets.base import COMPOSITE_CLASSES, Sample, composite_class
from edge.datasets.registry import DATASETS, load_dataset
from edge.datasets.rows import Samples, SkippedRow

__all__ = [
    "COMPOSITE_CLASSES",
    "DATASETS",
    "Sample",
    "Samples",
    "SkippedRow",
    "composite_class",
    "load_dataset",
    "parse_aus",
]
