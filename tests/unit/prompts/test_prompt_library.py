"""PromptLibrary: generated once, cached, custom recordings win, failures fall back."""

import logging
import math
import multiprocessing
import os
import struct
import subprocess
import wave

import pytest

from appliance.errors import PromptError
from appliance.prompts.audio import check_telephone_wav, peak_level, read_wav_info
from appliance.prompts.library import HOLD_MUSIC, RINGBACK, PromptLibrary
from appliance.prompts.texts import PROMPT_KEYS
from appliance.prompts.tts import EspeakSynthesizer


def write_tone(path, rate=8000, channels=1, seconds=1.0, freq=440.0):
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * n / rate))) * channels
        for n in range(int(rate * seconds)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


class FakeSynthesizer:
    """Implements the Synthesizer port without espeak: a tone per text, or a failure."""

    def __init__(self, version="fake-1", fail_on=(), write_half=False, rate=8000):
        self.version = version
        self.calls: list[tuple[str, str]] = []
        self.fail_on = set(fail_on)
        self.write_half = write_half
        self.rate = rate

    def synthesize(self, text, voice, out_path):
        self.calls.append((text, voice))
        if text in self.fail_on:
            if self.write_half:
                with open(out_path, "wb") as f:
                    f.write(b"RIFF\x00\x10\x00\x00WAVEfmt ")  # a header cut short
            raise PromptError(f"fake engine failed on {text!r}")
        write_tone(out_path, rate=self.rate, seconds=0.2 + len(text) / 100)


class CountingSynthesizer(EspeakSynthesizer):
    """The real engine, counting how often it is asked to speak."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def synthesize(self, text, voice, out_path):
        self.calls += 1
        super().synthesize(text, voice, out_path)


def library(data, synth, language="en", texts=None, custom=None, **kw):
    return PromptLibrary(str(data), language, "Sunrise Taxi", texts or {}, custom or {},
                         synth, **kw)


def stat_of(path):
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


def cache_files(lib):
    return sorted(os.listdir(lib.cache_dir))


# --- real espeak-ng + sox ---------------------------------------------------------

@pytest.mark.parametrize("language", ["fa", "ru", "en"])
def test_prepare_makes_every_prompt_in_the_office_language(tmp_path, language):
    lib = library(tmp_path, EspeakSynthesizer(), language=language)
    keys = [k for k in lib.keys if k != HOLD_MUSIC]
    lib.prepare(keys)
    for key in PROMPT_KEYS:
        path = lib.path(key)
        assert path == str(tmp_path / "prompts" / language / f"{key}.wav")
        info = check_telephone_wav(path)
        assert 0.8 < info.duration_s < 25, key
        assert peak_level(path) > 0.1, key
    # the menu says more than the greeting
    assert (read_wav_info(lib.path("main_menu")).duration_s
            > 2 * read_wav_info(lib.path("no_input")).duration_s)


def test_second_start_reuses_the_cache_without_speaking(tmp_path):
    keys = ["welcome", "main_menu", "goodbye"]
    library(tmp_path, EspeakSynthesizer()).prepare(keys)
    before = {k: stat_of(tmp_path / "prompts/en" / f"{k}.wav") for k in keys}

    synth = CountingSynthesizer()
    again = library(tmp_path, synth)
    again.prepare(keys)
    assert synth.calls == 0
    assert {k: stat_of(again.path(k)) for k in keys} == before


def test_changed_text_regenerates_only_that_prompt(tmp_path):
    library(tmp_path, EspeakSynthesizer()).prepare(["welcome", "goodbye"])
    welcome_before = stat_of(tmp_path / "prompts/en/welcome.wav")
    goodbye_before = stat_of(tmp_path / "prompts/en/goodbye.wav")
    old_duration = read_wav_info(str(tmp_path / "prompts/en/welcome.wav")).duration_s

    synth = CountingSynthesizer()
    lib = library(tmp_path, synth, texts={
        "welcome": "Good evening and welcome to {office}, the fastest taxi in the whole city."})
    lib.prepare(["welcome", "goodbye"])
    assert synth.calls == 1
    assert stat_of(lib.path("welcome")) != welcome_before
    assert read_wav_info(lib.path("welcome")).duration_s > old_duration + 1
    assert stat_of(lib.path("goodbye")) == goodbye_before


def test_changed_office_name_or_voice_regenerates(tmp_path):
    synth = FakeSynthesizer()
    library(tmp_path, synth).prepare(["welcome"])
    PromptLibrary(str(tmp_path), "en", "Moonlight Cabs", {}, {}, synth).prepare(["welcome"])
    library(tmp_path, synth, voice="en-gb").prepare(["welcome"])
    assert synth.calls == [("Welcome to Sunrise Taxi.", "en-us"),
                           ("Welcome to Moonlight Cabs.", "en-us"),
                           ("Welcome to Sunrise Taxi.", "en-gb")]


def test_new_synthesizer_version_regenerates(tmp_path):
    library(tmp_path, FakeSynthesizer(version="1")).prepare(["goodbye"])
    newer = FakeSynthesizer(version="2")
    library(tmp_path, newer).prepare(["goodbye"])
    assert len(newer.calls) == 1


def test_path_after_prepare_never_speaks(tmp_path):
    synth = FakeSynthesizer()
    lib = library(tmp_path, synth)
    lib.prepare()
    made = len(synth.calls)
    for key in lib.keys:
        assert os.path.isfile(lib.path(key))
    assert len(synth.calls) == made


def test_path_of_an_unprepared_key_makes_it_on_demand(tmp_path, caplog):
    synth = FakeSynthesizer()
    lib = library(tmp_path, synth)
    with caplog.at_level(logging.WARNING, "callbox.prompts"):
        path = lib.path("closed")
    assert check_telephone_wav(path).frames > 0
    assert "not prepared" in caplog.text
    lib.path("closed")
    assert len(synth.calls) == 1


def test_unknown_key_is_a_prompt_error(tmp_path):
    with pytest.raises(PromptError, match="no_such_prompt"):
        library(tmp_path, FakeSynthesizer()).path("no_such_prompt")


def test_override_may_add_a_prompt_for_a_custom_menu(tmp_path):
    lib = library(tmp_path, FakeSynthesizer(), texts={"airport": "For the airport press one."})
    assert "airport" in lib.keys
    lib.prepare(["airport"])
    assert lib.path("airport").endswith("airport.wav")


# --- custom recordings --------------------------------------------------------------

def test_custom_cd_quality_stereo_recording_replaces_and_is_converted(tmp_path):
    src = tmp_path / "welcome-studio.wav"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", "-b", "16", str(src),
                    "synth", "1.5", "sine", "440"], check=True)
    synth = FakeSynthesizer()
    lib = library(tmp_path, synth, custom={"welcome": str(src)})
    lib.prepare(["welcome"])
    path = lib.path("welcome")
    assert path == str(tmp_path / "prompts/en/welcome.custom.wav")
    info = check_telephone_wav(path)
    assert info.duration_s == pytest.approx(1.5, abs=0.01)
    assert peak_level(path) > 0.3
    assert synth.calls == []  # the recording wins, nothing spoken


def test_custom_relative_path_is_read_from_the_data_dir(tmp_path):
    write_tone(tmp_path / "rec.wav", rate=16000)
    lib = library(tmp_path, FakeSynthesizer(), custom={"goodbye": "rec.wav"})
    lib.prepare(["goodbye"])
    assert lib.path("goodbye").endswith("goodbye.custom.wav")


def test_custom_recording_already_in_telephone_format_is_played_as_is(tmp_path):
    src = tmp_path / "closed.wav"
    write_tone(src, rate=8000)
    lib = library(tmp_path, FakeSynthesizer(), custom={"closed": str(src)})
    lib.prepare(["closed"])
    assert lib.path("closed") == str(src)


def test_replaced_custom_recording_is_converted_again(tmp_path):
    src = tmp_path / "hold.wav"
    write_tone(src, rate=22050, seconds=1.0)
    library(tmp_path, FakeSynthesizer(), custom={"please_hold": str(src)}).prepare(["please_hold"])
    write_tone(src, rate=22050, seconds=2.0)
    lib = library(tmp_path, FakeSynthesizer(), custom={"please_hold": str(src)})
    lib.prepare(["please_hold"])
    assert read_wav_info(lib.path("please_hold")).duration_s == pytest.approx(2.0, abs=0.01)


@pytest.mark.parametrize("content", [b"", b"this is not audio at all" * 10,
                                     b"RIFF\x24\x00\x00\x00WAVEfmt "])
def test_broken_custom_recording_falls_back_to_the_spoken_prompt(tmp_path, caplog, content):
    src = tmp_path / "broken.wav"
    src.write_bytes(content)
    synth = FakeSynthesizer()
    lib = library(tmp_path, synth, custom={"welcome": str(src)})
    with caplog.at_level(logging.ERROR, "callbox.prompts"):
        lib.prepare(["welcome"])
    assert lib.path("welcome") == str(tmp_path / "prompts/en/welcome.wav")
    assert synth.calls == [("Welcome to Sunrise Taxi.", "en-us")]
    assert "custom prompt welcome is unusable" in caplog.text
    assert not any(name.startswith(".") for name in cache_files(lib))


def test_missing_custom_recording_falls_back(tmp_path, caplog):
    lib = library(tmp_path, FakeSynthesizer(), custom={"goodbye": str(tmp_path / "gone.wav")})
    with caplog.at_level(logging.ERROR, "callbox.prompts"):
        lib.prepare(["goodbye"])
    assert lib.path("goodbye").endswith("goodbye.wav")
    assert "no such file" in caplog.text


# --- failures never leave half a WAV ------------------------------------------------

def test_engine_failure_is_reported_and_leaves_nothing_in_the_cache(tmp_path):
    synth = FakeSynthesizer(fail_on={"We did not hear a choice."}, write_half=True)
    lib = library(tmp_path, synth)
    with pytest.raises(PromptError, match="no_input: fake engine failed"):
        lib.prepare(["welcome", "no_input", "goodbye"])
    # the others were made; the failed one left no file and no temp behind
    assert cache_files(lib) == ["goodbye.json", "goodbye.wav", "welcome.json", "welcome.wav"]
    assert lib.path("welcome").endswith("welcome.wav")
    with pytest.raises(PromptError):
        lib.path("no_input")


class DyingSynthesizer(FakeSynthesizer):
    """Writes half a WAV, then the process dies (a power cut, an OOM kill)."""

    def synthesize(self, text, voice, out_path):
        with open(out_path, "wb") as f:
            f.write(b"RIFF\x00\x10\x00\x00WAVEfmt ")
            f.flush()
        os._exit(3)


def test_death_while_writing_keeps_the_previous_complete_prompt(tmp_path):
    synth = FakeSynthesizer()
    library(tmp_path, synth).prepare(["welcome"])
    before = (tmp_path / "prompts/en/welcome.wav").read_bytes()

    changed = {"welcome": "Welcome to the new office."}
    child = multiprocessing.get_context("fork").Process(
        target=lambda: library(tmp_path, DyingSynthesizer(), texts=changed).prepare(["welcome"]))
    child.start()
    child.join(10)
    assert child.exitcode == 3
    assert (tmp_path / "prompts/en/welcome.wav").read_bytes() == before

    library(tmp_path, synth, texts=changed).prepare(["welcome"])  # the next start makes it
    assert synth.calls[-1] == ("Welcome to the new office.", "en-us")
    assert check_telephone_wav(str(tmp_path / "prompts/en/welcome.wav")).frames > 0


def test_engine_output_in_the_wrong_format_is_refused(tmp_path):
    lib = library(tmp_path, FakeSynthesizer(rate=22050))
    with pytest.raises(PromptError, match="22050 Hz"):
        lib.prepare(["welcome"])
    assert cache_files(lib) == []


def test_damaged_cached_wav_is_made_again(tmp_path):
    synth = FakeSynthesizer()
    lib = library(tmp_path, synth)
    lib.prepare(["goodbye"])
    with open(lib.path("goodbye"), "r+b") as f:
        f.truncate(20)
    library(tmp_path, synth).prepare(["goodbye"])
    assert len(synth.calls) == 2
    assert check_telephone_wav(str(tmp_path / "prompts/en/goodbye.wav")).frames > 0


def test_leftover_temp_files_from_a_power_cut_are_removed(tmp_path):
    lib = library(tmp_path, FakeSynthesizer())
    os.makedirs(lib.cache_dir)
    old = os.path.join(lib.cache_dir, ".welcome.wav.abc123.wav")
    fresh = os.path.join(lib.cache_dir, ".goodbye.wav.def456.wav")
    for path in (old, fresh):
        with open(path, "wb") as f:
            f.write(b"RIFF")
    os.utime(old, (1, 1))
    lib.prepare(["welcome"])
    assert not os.path.exists(old)
    assert os.path.exists(fresh)  # may belong to a prepare running right now


# --- hold music ---------------------------------------------------------------------

def test_hold_music_is_a_soft_20_second_loop_and_is_cached(tmp_path):
    synth = FakeSynthesizer()
    lib = library(tmp_path, synth)
    lib.prepare([HOLD_MUSIC])
    path = lib.path(HOLD_MUSIC)
    info = check_telephone_wav(path)
    assert 18 <= info.duration_s <= 22
    assert 0.1 < peak_level(path) < 0.9  # audible, never clipping

    with wave.open(path) as w:
        edge = w.getframerate() // 50  # 20 ms
        start = w.readframes(edge)
        w.setpos(w.getnframes() - edge)
        end = w.readframes(edge)
    quiet = 0.05 * 32768
    for chunk in (start, end):  # faded ends: the loop restarts without a click
        assert max(abs(s) for s in struct.unpack(f"<{len(chunk) // 2}h", chunk)) < quiet

    before = stat_of(path)
    again = library(tmp_path, synth)
    again.prepare([HOLD_MUSIC])
    assert stat_of(again.path(HOLD_MUSIC)) == before
    assert synth.calls == []


def test_ringback_is_a_425_hz_second_then_four_silent_ones_and_is_made_once(tmp_path):
    lib = library(tmp_path, FakeSynthesizer())
    assert RINGBACK in lib.keys
    lib.prepare([RINGBACK])
    path = lib.path(RINGBACK)
    info = check_telephone_wav(path)
    assert info.duration_s == pytest.approx(5.0, abs=0.05)
    with wave.open(path) as w:
        samples = struct.unpack(f"<{w.getnframes()}h", w.readframes(w.getnframes()))
    rate = info.rate
    on, off = samples[:rate], samples[int(1.05 * rate):]
    crossings = sum(1 for a, b in zip(on, on[1:]) if a < 0 <= b)
    assert crossings == pytest.approx(425, abs=3)  # one second of 425 Hz
    assert 0.1 < max(map(abs, on)) / 32768 < 0.9 and max(map(abs, off)) <= 2  # dither
    before = stat_of(path)
    again = library(tmp_path, FakeSynthesizer())
    again.prepare([RINGBACK])
    assert stat_of(again.path(RINGBACK)) == before
