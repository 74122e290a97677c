"""espeak-ng + sox really speak each office language into a telephone WAV."""

import pytest

from appliance.errors import PromptError
from appliance.prompts.audio import check_telephone_wav, peak_level
from appliance.prompts.texts import texts_for
from appliance.prompts.tts import EspeakSynthesizer, default_voice

# (language, key, shortest, longest) seconds. The upper bound also catches a wrong
# voice: the English voice spells Persian script letter by letter (~65 s for the menu).
PLAUSIBLE = [
    ("fa", "welcome", 0.8, 6), ("fa", "main_menu", 5, 25),
    ("ru", "welcome", 0.8, 6), ("ru", "main_menu", 4, 20),
    ("en", "welcome", 0.8, 6), ("en", "main_menu", 4, 20),
]


@pytest.mark.parametrize("language,key,shortest,longest", PLAUSIBLE)
def test_speaks_each_language_into_8khz_mono_16bit(tmp_path, language, key, shortest, longest):
    text = texts_for(language, {"fa": "تاکسی آفتاب", "ru": "Такси Север",
                                "en": "Sunrise Taxi"}[language])[key]
    out = tmp_path / "out.wav"
    EspeakSynthesizer().synthesize(text, default_voice(language), str(out))
    info = check_telephone_wav(str(out))
    assert shortest <= info.duration_s <= longest
    assert peak_level(str(out)) > 0.1  # speech, not silence


def test_text_starting_with_a_dash_is_spoken_not_taken_as_an_option(tmp_path):
    out = tmp_path / "dash.wav"
    EspeakSynthesizer().synthesize("-v xx hello", "en-us", str(out))
    assert check_telephone_wav(str(out)).duration_s > 0.5


def test_unknown_voice_reports_espeaks_stderr(tmp_path):
    with pytest.raises(PromptError, match="voice does not exist"):
        EspeakSynthesizer().synthesize("hello", "xx-nope", str(tmp_path / "x.wav"))


def test_missing_espeak_binary_is_a_prompt_error(tmp_path):
    synth = EspeakSynthesizer(espeak=str(tmp_path / "no-espeak"))
    with pytest.raises(PromptError, match="not installed"):
        synth.synthesize("hello", "en-us", str(tmp_path / "x.wav"))
    with pytest.raises(PromptError):
        synth.version


def test_missing_sox_binary_is_a_prompt_error(tmp_path):
    synth = EspeakSynthesizer(sox=str(tmp_path / "no-sox"))
    with pytest.raises(PromptError, match="no-sox is not installed"):
        synth.synthesize("hello", "en-us", str(tmp_path / "x.wav"))


def test_empty_text_is_refused(tmp_path):
    with pytest.raises(PromptError, match="empty"):
        EspeakSynthesizer().synthesize("  ", "en-us", str(tmp_path / "x.wav"))


def test_version_names_engine_and_speed():
    version = EspeakSynthesizer(speed_wpm=140).version
    assert "eSpeak NG" in version and "speed=140" in version
    assert version != EspeakSynthesizer(speed_wpm=150).version
