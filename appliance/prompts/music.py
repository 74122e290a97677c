"""Hold music: a soft ~20 s loop made with sox, in the telephone format.

Eight bars of 2.5 s over I-vi-IV-V in C major (twice, the second time an
octave-up arpeggio), each bar a quiet sine pad under plucked arpeggio notes.
Notes stay between 260 Hz and 1.4 kHz, inside the telephone band; the loop
fades in and out so the restart is not a click.
"""

from __future__ import annotations

import os
import tempfile

from appliance.prompts.audio import TELEPHONE_RATE, check_telephone_wav, run_tool

# Bump when the music changes, so cached copies are made again.
MUSIC_VERSION = "hold-music-1"

BAR_S = 2.5
NOTES_PER_BAR = 4
# MIDI note numbers; 60 = middle C.
CHORDS: tuple[tuple[int, ...], ...] = (
    (60, 64, 67),  # C
    (57, 60, 64),  # Am
    (65, 69, 72),  # F
    (67, 71, 74),  # G
)
PAD_GAIN_DB = -14
PLUCK_GAIN_DB = -6
FADE_IN_S = 0.6
FADE_OUT_S = 1.5
PEAK_DB = -8  # hold music softer than the prompts


def midi_hz(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def arpeggio(chord: tuple[int, ...], octave_up: bool) -> list[int]:
    """Four notes up the chord and back, e.g. C E G E."""
    notes = [n + (12 if octave_up else 0) for n in chord]
    return (notes + notes[-2:0:-1])[:NOTES_PER_BAR]


def _pad_args(sox: str, chord: tuple[int, ...], out: str) -> list[str]:
    tones: list[str] = []
    for note in chord:
        tones += ["sine", f"{midi_hz(note):.2f}"]
    # One channel per tone, then mixed down: sox's synth mixes nothing by itself.
    return [sox, "-V1", "-r", str(TELEPHONE_RATE), "-c", str(len(chord)), "-n",
            "-b", "16", "-c", "1", out, "synth", f"{BAR_S}", *tones, "remix", "-",
            "fade", "q", "0.4", f"{BAR_S}", "0.6", "gain", str(PAD_GAIN_DB)]


def _pluck_args(sox: str, note: int, out: str) -> list[str]:
    # sox plucks only at 44.1-48 kHz; the 8 kHz output makes sox resample.
    return [sox, "-V1", "-r", "44100", "-n", "-r", str(TELEPHONE_RATE), "-b", "16", "-c", "1", out,
            "synth", f"{BAR_S / NOTES_PER_BAR}", "pluck", f"{midi_hz(note):.2f}",
            "fade", "q", "0.005", f"{BAR_S / NOTES_PER_BAR}", "0.2", "gain", str(PLUCK_GAIN_DB)]


def _render_bar(sox: str, tmp: str, index: int, chord: tuple[int, ...],
                octave_up: bool) -> str:
    pad = os.path.join(tmp, f"pad{index}.wav")
    run_tool(_pad_args(sox, chord, pad), "hold music pad")
    plucks = []
    for n, note in enumerate(arpeggio(chord, octave_up)):
        path = os.path.join(tmp, f"pluck{index}_{n}.wav")
        run_tool(_pluck_args(sox, note, path), "hold music note")
        plucks.append(path)
    melody = os.path.join(tmp, f"melody{index}.wav")
    # A low-pass takes the edge off the bright plucked attack.
    run_tool([sox, "-V1", *plucks, melody, "lowpass", "1800"], "hold music melody")
    bar = os.path.join(tmp, f"bar{index}.wav")
    run_tool([sox, "-V1", "-m", pad, melody, bar], "hold music bar")
    return bar


def render_hold_music(out_path: str, sox: str = "sox") -> None:
    """Write the hold-music loop to ``out_path`` (8 kHz mono 16-bit WAV)."""
    with tempfile.TemporaryDirectory(prefix="callbox-music-") as tmp:
        bars = [_render_bar(sox, tmp, i, chord, octave_up=i >= len(CHORDS))
                for i, chord in enumerate(CHORDS * 2)]
        total_s = BAR_S * len(bars)
        run_tool([sox, "-V1", *bars, "-t", "wav", "-e", "signed-integer", out_path,
                  "gain", "-n", str(PEAK_DB),
                  "fade", "t", f"{FADE_IN_S}", f"{total_s}", f"{FADE_OUT_S}"],
                 "hold music mix")
    check_telephone_wav(out_path)
