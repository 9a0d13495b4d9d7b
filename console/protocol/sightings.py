"""Sightings (plate reads, face matches) as both sides of the wire spell them."""

from __future__ import annotations

import re

_PLATE_NOISE = re.compile(r"[\s·.\-]")


def normalize_plate(text: str) -> str:
    """A plate as cameras and people write it, in one form (upper case, no spaces or dots).

    Shared: the backend stores and matches plates in this form, and a replayed console finds a
    recording's sightings of a plate typed any way.
    """
    return _PLATE_NOISE.sub("", text).upper()
