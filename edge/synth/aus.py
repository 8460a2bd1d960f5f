"""FACS action units as landmark-anchored displacements, and emotion recipes.

Each action unit is a list of anchors: MediaPipe FaceMesh landmark indices and
a displacement direction in face units, ``(outward, down)``. ``outward`` points
away from the face's midline (so one entry serves both sides) and is ignored
on midline landmarks; ``down`` follows image rows. Sides follow FACS: ``R`` is
the subject's right, which is the image's left in a frontal view.

The directions are the visible skin motion of each AU as FACS describes it
(Ekman, Friesen & Hager, FACS Manual 2002), reduced to what a 2D frontal warp
can show; AU5 (upper lid raiser) is approximated by lifting the upper lid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.errors import UsageError


@dataclass(frozen=True, slots=True)
class Anchor:
    """Landmarks that move together in one direction, with a kernel width."""

    indices: tuple[int, ...]
    outward: float
    down: float
    sigma_fw: float  # Gaussian kernel sigma as a fraction of the face width


def _a(indices: tuple[int, ...], outward: float, down: float, sigma_fw: float = 0.05) -> Anchor:
    return Anchor(indices, outward, down, sigma_fw)


_INNER_BROW = (107, 66, 55, 65, 336, 296, 285, 295)
_OUTER_BROW = (70, 63, 46, 53, 300, 293, 276, 283)
_UPPER_LID = (159, 158, 160, 157, 161, 386, 385, 387, 384, 388)
_LOWER_LID = (145, 153, 144, 163, 154, 374, 380, 373, 390, 381)
_CORNERS = (61, 291)
_UPPER_LIP = (0, 37, 39, 267, 269, 13)
_LOWER_LIP = (17, 84, 314, 14, 87, 317)
_CHIN = (152, 199, 175, 200)

#: Action unit number -> anchors. Each AU's field is normalised to a peak of 1.
AU_ANCHORS: dict[int, tuple[Anchor, ...]] = {
    1: (_a(_INNER_BROW, 0.0, -1.0, 0.07),),
    2: (_a(_OUTER_BROW, 0.0, -1.0, 0.07), _a((105, 334), 0.0, -0.5, 0.06)),
    4: (_a((*_INNER_BROW, 105, 52, 334, 282), -0.6, 1.0, 0.07), _a((9, 8), 0.0, 0.3, 0.05)),
    5: (_a(_UPPER_LID, 0.0, -1.0, 0.035),),
    6: (_a((117, 118, 50, 101, 346, 347, 280, 330), 0.1, -1.0, 0.09), _a(_LOWER_LID, 0.0, -0.5, 0.04)),
    7: (_a(_LOWER_LID, 0.0, -1.0, 0.035), _a((159, 386), 0.0, 0.4, 0.03)),
    9: (_a((129, 49, 358, 279, 198, 420), 0.0, -1.0, 0.05), _a((0, 37, 267), 0.0, -0.4), _a((55, 285), 0.0, 0.3)),
    10: (_a((*_UPPER_LIP[:5], 40, 270), 0.0, -1.0, 0.05), _a((129, 358), 0.0, -0.3)),
    12: (_a(_CORNERS, 0.8, -0.6, 0.06),),
    14: (_a(_CORNERS, 0.6, -0.1, 0.04),),
    15: (_a(_CORNERS, 0.2, 1.0, 0.06),),
    16: (_a(_LOWER_LIP, 0.0, 1.0, 0.05),),
    17: (_a(_CHIN, 0.0, -1.0, 0.08), _a(_LOWER_LIP[:3], 0.0, -0.6)),
    20: (_a(_CORNERS, 1.0, 0.15, 0.06),),
    23: (_a(_CORNERS, -0.7, 0.0, 0.04), _a((0, 13), 0.0, 0.3, 0.03), _a((17, 14), 0.0, -0.3, 0.03)),
    24: (_a((0, 13, 37, 267), 0.0, 0.6, 0.04), _a(_LOWER_LIP, 0.0, -0.8, 0.04)),
    25: (_a(_LOWER_LIP, 0.0, 1.0, 0.04), _a((13, 0), 0.0, -0.3, 0.03)),
    26: (_a((*_CHIN, 148, 377, 176, 400, *_LOWER_LIP), 0.0, 1.0, 0.10),),
    45: (_a(_UPPER_LID, 0.0, 1.0, 0.04), _a((145, 374), 0.0, -0.2, 0.03)),
}


#: EMFACS-style prototypes (DESIGN section 9); contempt is unilateral.
EMOTION_RECIPES: dict[str, str] = {
    "happiness": "6+12",
    "sadness": "1+4+15",
    "surprise": "1+2+5+26",
    "fear": "1+2+4+5+7+20+26",
    "anger": "4+5+7+23",
    "disgust": "9+15+16",
    "contempt": "R12+R14",
}

#: Negative-class variety (DESIGN section 9): recipes seen in negative samples.
NEGATIVE_RECIPES: tuple[str, ...] = ("4", "1+4", "1+4+20", "9", "10", "R14", "L14", "15", "17", "23", "24")

#: Single AUs rendered alone (labelled by their recipe, not by an emotion).
SINGLE_AUS: tuple[int, ...] = (1, 2, 4, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26)

COMPOSITE: dict[str, str] = {
    "happiness": "positive",
    "surprise": "surprise",
    "sadness": "negative",
    "fear": "negative",
    "anger": "negative",
    "disgust": "negative",
    "contempt": "negative",
    "repression": "negative",
}

_TERM = re.compile(r"^(?P<side>[LR]?)(?P<au>\d+)$")


@dataclass(frozen=True, slots=True)
class AUTerm:
    """One action unit in a recipe: ``side`` is "" (both), "L" or "R"."""

    au: int
    side: str = ""

    def __str__(self) -> str:
        return f"{self.side}{self.au}"


def parse_recipe(recipe: str) -> tuple[AUTerm, ...]:
    """Parse ``"1+4+15"`` or ``"R12+R14"`` into terms (FACS notation, ``AU`` prefix optional)."""
    terms: list[AUTerm] = []
    for raw in recipe.replace("AU", "").split("+"):
        match = _TERM.match(raw.strip())
        if match is None or int(match["au"]) not in AU_ANCHORS:
            raise UsageError(
                f"action-unit recipe {recipe!r}: term {raw!r} is not one of [L|R]N with N in {sorted(AU_ANCHORS)}"
            )
        terms.append(AUTerm(int(match["au"]), match["side"]))
    return tuple(terms)
