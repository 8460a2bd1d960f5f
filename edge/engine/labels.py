"""Class orders and action-unit names shared by the engine, its training code and its users."""

from __future__ import annotations

#: MEGC2019 composite classes, in the order of every emotion output.
COMPOSITE_CLASSES: tuple[str, ...] = ("negative", "positive", "surprise")

#: Action units predicted by the AU head, in output order.
ENGINE_AUS: tuple[int, ...] = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26)

#: FACS names (Ekman, Friesen & Hager, FACS Manual 2002).
AU_NAMES: dict[int, str] = {
    1: "inner brow raiser",
    2: "outer brow raiser",
    4: "brow lowerer",
    5: "upper lid raiser",
    6: "cheek raiser",
    7: "lid tightener",
    9: "nose wrinkler",
    10: "upper lip raiser",
    12: "lip corner puller",
    14: "dimpler",
    15: "lip corner depressor",
    16: "lower lip depressor",
    17: "chin raiser",
    20: "lip stretcher",
    23: "lip tightener",
    24: "lip pressor",
    25: "lips part",
    26: "jaw drop",
    45: "blink",
}

#: Graph input and output names of every Glimpse engine model.
INPUT_NAME = "x"
SPOT_OUTPUT = "spot"
EMOTION_OUTPUT = "emotion"
AU_OUTPUT = "au"
