"""Evaluation: MEGC spotting F1, LOSO recognition UF1/UAR, their file formats, tables and plots.

Submodules are light (no numpy or cv2 at import); plots import OpenCV when called.
"""

from edge.evaluation.loso import Fold, loso_folds

__all__ = ["Fold", "loso_folds"]
