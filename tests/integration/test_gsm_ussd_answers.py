"""Item 7 of issue 9: USSD answers through pyserial against the simulator replaying
transcripts — a release notice before the answer is not the answer, a genuine
status-2 answer is, multi-line answers keep their lines and blank lines."""

import pytest

from appliance.telephony.gsm.sim.harness import wait_until
from gsm_transcripts import transcript

CASES = [
    ("ussd_genuine_status2_answer", "*102#",
     "Havi keret: 0Ft. Feltöltött egyenleg: 7777Ft,(ebböl vàsàrlàsra is fordìthatò: 7777Ft)."
     " Dìjcsomag: Bencsò A. Uj Telekom önkiszolgàlò: *111#"),
    ("ussd_release_notice_then_answer", "*100#",
     " Vash balans 968.98 r.\nDlya vas - nedelya besplatnogo SMS-obsh'eniya s drugom!"
     " Podkl.: *320#"),
    ("ussd_multiline_blank_lines", "*111#", "Balance: 12.50\n\n1 Tariffs\n2 Packages"),
]


@pytest.mark.parametrize("name,code,answer", CASES, ids=[c[0] for c in CASES])
def test_ussd_answers_from_transcripts(sim_rig, name, code, answer):
    sim, line, log, store = sim_rig("quectel")
    script = transcript(name)
    sim.replay(script)
    future = line.ussd(code)
    wait_until(lambda: not sim.script)  # the request went out and was answered OK
    for i in range(len(script.unsolicited)):
        sim.play(i)
    assert future.result(3) == answer
    assert store.last_ussd()[0]["text"] == answer


def test_release_notice_then_answer_through_the_simulator(sim_rig):
    """Regression: the notice used to resolve the request."""
    sim, line, log, store = sim_rig("simcom")
    sim.set_ussd_reply("*100#", "Баланс 55 руб.", 72, release_text="USSD session released")
    assert line.ussd("*100#").result(3) == "Баланс 55 руб."


def test_a_genuine_status_two_answer_through_the_simulator(sim_rig):
    sim, line, log, store = sim_rig("sim800")
    sim.set_ussd_reply("*100#", "Balance 3.20", status=2)
    assert line.ussd("*100#").result(3) == "Balance 3.20"
