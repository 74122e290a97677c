"""Call-progress tones made with sox, in the telephone format.

Ringback is what a dispatcher hears while the box rings a colleague for them (a call
between phones, or a transfer): 425 Hz, 1 s on and 4 s off — the ITU-T E.180 tone of
Iran and Russia, close to most of Europe's. Played in a loop.
"""

from __future__ import annotations

from appliance.prompts.audio import TELEPHONE_RATE, check_telephone_wav, run_tool

TONES_VERSION = "ringback-425-1-4"
RINGBACK_HZ = 425
ON_S, OFF_S = 1.0, 4.0
LEVEL_DB = -10  # a tone, not a prompt: softer than speech


def render_ringback(out_path: str, sox: str = "sox") -> None:
    """Write one ringback cadence (on, then silence) to ``out_path``."""
    run_tool([sox, "-V1", "-n", "-r", str(TELEPHONE_RATE), "-b", "16", "-c", "1",
              "-e", "signed-integer", "-t", "wav", out_path,
              "synth", f"{ON_S}", "sine", str(RINGBACK_HZ), "gain", "-n", str(LEVEL_DB),
              "fade", "q", "0.01", f"{ON_S}", "0.01", "pad", "0", f"{OFF_S}"], "ringback tone")
    check_telephone_wav(out_path)
