"""In-band DTMF detection for modems that do not report keys (Huawei E1550/E173).

Works on 40 ms blocks of 8 kHz 16-bit PCM: an energy gate first (silence costs
almost nothing), then the power at the eight DTMF frequencies by correlation with
precomputed sine/cosine tables (``sum(map(mul, ...))`` runs in C). A key counts when
one low and one high tone carry most of the block's energy in two blocks in a row;
it is reported once per press.
"""

from __future__ import annotations

import math
from array import array
from operator import mul
from typing import Callable

RATE = 8000
BLOCK = 320  # samples: 40 ms, fine enough to tell 697 from 770 Hz
LOW = (697, 770, 852, 941)
HIGH = (1209, 1336, 1477, 1633)
KEYS = ("123A", "456B", "789C", "*0#D")
MIN_RMS = 300.0  # below this a block is silence
MIN_FRACTION = 0.6  # share of the block's energy in the two tones
MAX_TWIST = 8.0  # power ratio allowed between the two tones


def _tables(freq: int) -> tuple[list[float], list[float]]:
    w = 2 * math.pi * freq / RATE
    return [math.cos(w * n) for n in range(BLOCK)], [math.sin(w * n) for n in range(BLOCK)]


_TABLES = {f: _tables(f) for f in LOW + HIGH}


def _power(samples: array, freq: int) -> float:
    cos_t, sin_t = _TABLES[freq]
    c = sum(map(mul, samples, cos_t))
    s = sum(map(mul, samples, sin_t))
    return (c * c + s * s) * 2 / BLOCK  # comparable with the block's energy


def classify(samples: array) -> str | None:
    """The key in one block, or None."""
    energy = float(sum(map(mul, samples, samples)))
    if energy < MIN_RMS * MIN_RMS * BLOCK:
        return None
    low = [_power(samples, f) for f in LOW]
    high = [_power(samples, f) for f in HIGH]
    li, hi = max(range(4), key=low.__getitem__), max(range(4), key=high.__getitem__)
    pl, ph = low[li], high[hi]
    if (pl + ph) < MIN_FRACTION * energy or min(pl, ph) * MAX_TWIST < max(pl, ph):
        return None
    return KEYS[li][hi]


class DtmfDetector:
    def __init__(self, on_digit: Callable[[str], None]):
        self._on_digit = on_digit
        self._buf = bytearray()
        self._last: str | None = None  # key of the previous block
        self._reported = False

    def feed(self, pcm: bytes) -> None:
        self._buf += pcm
        while len(self._buf) >= BLOCK * 2:
            block = array("h", bytes(self._buf[:BLOCK * 2]))
            del self._buf[:BLOCK * 2]
            self._block(classify(block))

    def _block(self, key: str | None) -> None:
        if key is not None and key == self._last:
            if not self._reported:
                self._reported = True
                self._on_digit(key)
        else:
            self._reported = False
        self._last = key
