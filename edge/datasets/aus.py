"""Action-unit cells of the coding sheets, normalised to ``AU<n><position>`` tokens.

The sheets write FACS codes with a position prefix and an intensity suffix: ``R12`` (right), ``L14`` (left),
``A12`` (asymmetric: both sides, stronger on one; SAMM's sheet defines it), ``T23`` / ``B18`` (top / bottom
lip), ``12B`` (intensity B), ``4A/B`` (intensity A or B), ``4(B/C)``, ``ref(7B)``, ``25?`` (unclear offset, per
SAMM's key) and alternatives ``(R6 or R12)``, ``L12 or L14``. Positions become suffixes that no intensity
letter can be confused with: ``AU12R``, ``AU12L``, ``AU12U`` (unilateral, side not given), ``AU12asym``,
``AU23top``, ``AU18bottom``; intensities are dropped. ``ref(X)`` is read as ``X``: the sheets do not define
``ref``, and the AU inside is coded. Alternatives between different AUs stay one token ``(AU6R|AU12R)``,
which names no single AU (``edge.train`` does not learn it); alternatives that differ only in
position or intensity (``A/L12``, ``4A/B``) give that AU, without a position. Anything else (``Chewing``,
``soft focus``) is kept as written.
"""

from __future__ import annotations

import re

_POSITIONS = {"L": "L", "R": "R", "U": "U", "A": "asym", "T": "top", "B": "bottom"}
_AU = re.compile(r"^(?:AU)?(?P<side>[LRUATB](?:/[LRUATB])*)?(?P<number>\d+)(?P<level>[A-E](?:/[A-E])*)?$", re.I)
_LETTER_GROUP = re.compile(r"\(([A-Za-z](?:/[A-Za-z])*)\)")
_REF = re.compile(r"^ref\s*\((?P<inner>.*)\)$", re.I)
_ALTERNATIVES = re.compile(r"\s+or\s+|\)or\(|\)or\s+|\s+or\(|/", re.I)
_IGNORED = {"", "/", "-", "?"}


def _single(token: str) -> tuple[int, str] | None:
    """``R12B`` -> ``(12, "R")``; position ``""`` when none or ambiguous; None when no AU code."""
    compact = _LETTER_GROUP.sub(r"\1", token.replace(" ", ""))
    match = _AU.match(compact)
    if match is None:
        return None
    sides = (match.group("side") or "").upper().split("/")
    side = sides[0] if len(set(sides)) == 1 else ""
    return int(match.group("number")), _POSITIONS.get(side, "")


def _format(number: int, side: str) -> str:
    return f"AU{number}{side}"


def _token(raw: str) -> str | None:
    token = raw.strip().rstrip("?").strip()
    if token in _IGNORED:
        return None
    ref = _REF.match(token)
    if ref:
        token = ref.group("inner").strip()
    single = _single(token)
    if single is not None:
        return _format(*single)
    inner = token[1:-1] if token.startswith("(") and token.endswith(")") else token
    alternatives = [_single(part.strip("() ")) for part in _ALTERNATIVES.split(inner) if part.strip("() ")]
    if len(alternatives) < 2 or any(alt is None for alt in alternatives):
        return raw.strip()
    found = [alt for alt in alternatives if alt is not None]
    if len({number for number, _ in found}) == 1:
        sides = {side for _, side in found}
        return _format(found[0][0], sides.pop() if len(sides) == 1 else "")
    return "(" + "|".join(_format(number, side) for number, side in found) + ")"


def _split(value: str) -> list[str]:
    """Split on ``+``, ``,`` and ``;`` outside parentheses (``(R6 or R12)+R15`` -> two tokens)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in value:
        depth += (char == "(") - (char == ")")
        if char in "+,;" and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_aus(value: object) -> tuple[str, ...]:
    """Normalise an AU cell: ``"A7+A12"`` -> ``("AU7asym", "AU12asym")``, ``4.0`` -> ``("AU4",)``.

    ``"(R6 or R12)+R15"`` -> ``("(AU6R|AU12R)", "AU15R")``; ``"ref(7B)+43"`` -> ``("AU7", "AU43")``.
    """
    if value is None:
        return ()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = []
    for raw in _split(str(value)):
        for part in raw.split() if _splits_on_space(raw) else [raw]:
            token = _token(part)
            if token is not None:
                result.append(token)
    return tuple(result)


def _splits_on_space(raw: str) -> bool:
    """``"4 7"`` is two AUs; ``"L12 or L14"``, ``"ref (7)"``, ``"soft focus"`` are one token each."""
    words = raw.split()
    return len(words) > 1 and all(_single(word.rstrip("?")) is not None for word in words)
