"""Class orders and action-unit names shared by the engine, its training code and its users."""

from __future__ import annotations

#: MEGC2019 composite classes, in the order of every emotion output.
COMPOSITE_CLASSES: tuple[str, ...] = ("negative", "positive", "surprise")

#: Action units predicted by the AU head, in output order.
ENGINE_AUS: tuple[int, ...] = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26)


#: Graph input and output names of every Glimpse engine model.
INPUT_NAME = "x"
SPOT_OUTPUT = "spot"
EMOTION_OUTPUT = "emotion"
AU_OUTPUT = "au"
