"""A recorded queue through the real box: SIPp caller, pjsua2 dispatcher phone sending a
1 kHz tone; the conversation lands in the recordings table as a compact Ogg file that
holds the dispatcher's tone."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from harness import PCAPS, goertzel_share, office_toml, read_wav, sipp, tone_wav, wait_for

pytestmark = [pytest.mark.sip]


def test_a_recorded_queue_keeps_the_conversation_as_ogg(office, tmp_path):
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                       rtp_port=office.rtp_port,
                       queue_opts="wrapup_s = 1.0\nring_timeout_s = 5.0\nrecord = true")
    office.start_core(toml + '\n[recording]\nformat = "ogg"\n')
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "tone.wav", 1000, seconds=6), answer_after="1-1")
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 1500, "talk_ms": 4000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    office.ended_records(1)

    def row():
        conn = sqlite3.connect(office.data / "callbox.sqlite3")
        try:
            return conn.execute("SELECT call_id, queue, dispatcher, seconds, bytes, path "
                                "FROM recordings").fetchone()
        finally:
            conn.close()
    call_id, queue, dispatcher, seconds, size, path = wait_for(row, 10, what="a recording")
    assert (queue, dispatcher) == ("taxi", "anna")
    assert 2.0 <= seconds <= 8.0
    assert path.endswith(".ogg") and size < seconds * 16000 / 4  # far below raw 16 KiB/s
    wav = tmp_path / "back.wav"
    subprocess.run(["sox", str(office.data / path), "-r", "8000", "-b", "16", "-c", "1",
                    str(wav)], check=True)
    samples, rate = read_wav(wav)
    assert goertzel_share(samples, 1000, rate) > 0.3, "the dispatcher's tone is not in it"
