"""Every recorded transcript in tests/fixtures/modems/transcripts parses, cites where
it comes from, and is replayed by a test; the transcript format itself."""

import re
from pathlib import Path

import pytest

from appliance.telephony.gsm.sim import transcript as tr

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = sorted((ROOT / "fixtures" / "modems" / "transcripts").glob("*.at"))
TESTS = "\n".join(p.read_text(encoding="utf-8")
                  for p in (ROOT / "integration").glob("test_gsm_*.py"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_transcript_parses_and_cites_a_source(path):
    script = tr.load(path)
    assert re.search(r"https?://|3GPP|Manual|manual|V\.250", script.source), script.source
    assert script.meta.get("behaviour") and script.meta.get("item")
    assert script.exchanges or script.unsolicited


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_transcript_is_replayed_by_a_test(path):
    assert f'"{path.stem}"' in TESTS


def test_format():
    script = tr.parse("# source: 3GPP TS 27.007\n> AT\n< OK\n<\n< RING\n= 0.5\n< OK\n"
                      "! +CMTI: \"SM\",1\n!\n! x\n\n! y\n")
    assert script.exchanges[0].command == "AT"
    assert script.exchanges[0].reply == ["OK", "", "RING", 0.5, "OK"]
    assert script.unsolicited == [['+CMTI: "SM",1', "", "x"], ["y"]]


@pytest.mark.parametrize("text", ["> AT\n< OK\n", "# source: x\n< OK\n", "# source: x\n? AT\n"])
def test_bad_transcripts_are_refused(text):
    with pytest.raises(tr.TranscriptError):
        tr.parse(text)
