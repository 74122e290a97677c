"""Item 1 of issue 9: an SMS is deleted from the SIM only after it is stored —
through pyserial against the simulator replaying real transcripts."""

from datetime import datetime, timezone

from appliance.events import AlarmRaised, SmsReceived
from appliance.telephony.gsm import pdu
from appliance.telephony.gsm.sim.harness import fast_timing, wait_until
from gsm_transcripts import transcript

PERSIAN = "سلام، لطفاً یک تاکسی به خیابان ولیعصر، کوچه ۱۲ بفرستید. مسافر با چمدان است. " * 2
# python-gsmmodem issue #48: part 1 of 2 (reference 114) of an operator's balance SMS
LONE_PART = ("07918340247399484007D035DA6C06000051401091731321A0050003720201846176D83D07C56A2E18"
             "0C2D77B340E2B7BB3E07C15C30185AEE7629542A954258D6B3D3ED341DE40E83D86973599702C56"
             "03010DA0E82BF41B11A68FD86BB4034980B066A0A414937BD2C7797E920F81B440FCBF3E6BA0B34A"
             "381A6CD2908FE0655D7F270DA9D7681A0E175990E82BFE7ECFA193487B3C36374D9FD0691DFA0D8"
             "CD05A3B962")


def _run(sim, name):
    script = transcript(name)
    sim.replay(script)
    for i in range(len(script.unsolicited)):
        sim.play(i)
    return script


def test_cmti_naming_another_storage_selects_it_first(sim_rig):
    sim, line, log, store = sim_rig("quectel")
    _run(sim, "sms_cmti_other_storage")
    assert log.wait_for(SmsReceived).text == "vanila"
    wait_until(lambda: "AT+CMGD=13" in sim.commands)
    cmds = sim.commands
    assert cmds.index('AT+CPMS="SM"', len(cmds) - 4) < cmds.index("AT+CMGR=13")


def test_cmti_in_me_is_read_from_me_by_the_stateful_simulator(sim_rig):
    """Regression: reading 'SM' slot 1 for a +CMTI naming 'ME' read the wrong one."""
    sim, line, log, store = sim_rig("simcom")
    wait_until(lambda: sim.commands.count("AT+CMGL=4") >= 2)  # the start-up listing is over
    sim.sms.select("SM")  # the modem quietly back on SM, while messages arrive in ME
    sim.sms.put("SM", pdu.encode_deliver("+79160000002", "old one on the SIM",
                                         datetime.now(timezone.utc))[0])
    one = pdu.encode_deliver("+79161234567", "в памяти модема", datetime.now(timezone.utc))[0]
    sim.deliver_pdu(one, storage="ME")
    assert log.wait_for(SmsReceived).text == "в памяти модема"
    wait_until(lambda: not sim.sms.storages["ME"])
    assert len(sim.sms.storages["SM"]) == 1  # the other memory's message untouched


def test_an_undecodable_pdu_is_kept_on_the_sim_stored_raw_with_an_alarm(sim_rig):
    sim, line, log, store = sim_rig("quectel")
    _run(sim, "sms_undecodable_pdu")
    alarm = log.wait_for(AlarmRaised)
    assert alarm.source == f"gsm:{sim.name}"
    (kept,) = store.list_messages()
    assert kept["status"] == "undecodable"
    assert "0791795268721940040C917952842133410000519070515291" in store.raw_of(kept["id"])
    assert not any(c.startswith("AT+CMGD=13") for c in sim.commands)


def test_a_listing_with_stray_lines_stores_the_readable_and_keeps_the_rest(sim_rig):
    sim, line, log, store = sim_rig("quectel")
    sim.replay(transcript("sms_listing_stray_lines"))
    line.post(lambda: line.sms.read_stored(line.command))
    log.wait_for(SmsReceived, count=2)
    wait_until(lambda: "AT+CMGD=3" in sim.commands)
    texts = sorted(m["text"] for m in store.list_messages() if m["status"] == "received")
    assert texts == ["3", "vanila"]
    assert "AT+CMGD=1" in sim.commands and "AT+CMGD=2" not in sim.commands
    (kept,) = [m for m in store.list_messages() if m["status"] == "undecodable"]
    assert "+CMGL: 2,0,,24" in store.raw_of(kept["id"])
    log.wait_for(AlarmRaised)


def test_a_modem_that_refuses_pdu_mode_is_read_in_text_mode_with_ucs2(sim_rig):
    sim, line, log, store = sim_rig("sim800", before_start=lambda s: _text_only(s))
    assert line.sms.mode == "text"
    assert 'AT+CSCS="UCS2"' in sim.commands
    sim.inject_sms("+989121234567", PERSIAN, ref=9)
    sms = log.wait_for(SmsReceived)
    assert (sms.number, sms.text) == ("+989121234567", PERSIAN)
    wait_until(lambda: not sim.sms_store)


def test_text_mode_transcript_from_quectel(sim_rig):
    sim, line, log, store = sim_rig("quectel", before_start=lambda s: s.replay(
        transcript("sms_text_mode_only")))
    assert line.sms.mode == "text"
    sim.play(0)
    sms = log.wait_for(SmsReceived)
    assert (sms.number, sms.text) == ("+8615021012496", "This is a test from Quectel")


def test_text_mode_sends_ucs2(sim_rig):
    sim, line, log, store = sim_rig("sim800", before_start=lambda s: _text_only(s))
    mid = line.send_sms("+989121234567", "سلام")
    wait_until(lambda: store.get_message(mid)["status"] == "sent")
    assert [(s.recipient, s.text) for s in sim.sent_sms] == [("+989121234567", "سلام")]


def test_a_lone_multipart_part_is_shown_as_incomplete_after_the_timeout(sim_rig):
    sim, line, log, store = sim_rig("quectel", timing=fast_timing(partial_sms_timeout=0.4))
    sim.deliver_pdu(LONE_PART)
    sms = log.wait_for(SmsReceived, timeout=3)
    assert sms.text.startswith("Balans 15.00hrn")
    assert store.get_message(sms.message_id)["status"] == "incomplete"
    wait_until(lambda: not sim.sms_store)  # the part itself is stored, so it may go


def _text_only(sim):
    sim.sms.pdu_supported = False


def test_stored_outgoing_messages_are_left_alone(sim_rig):
    sim, line, log, store = sim_rig("quectel")
    sim.replay(transcript("sms_listing_stored_outgoing"))
    line.post(lambda: line.sms.read_stored(line.command))
    assert log.wait_for(SmsReceived).text == "vanila"
    wait_until(lambda: "AT+CMGD=1" in sim.commands)
    assert "AT+CMGD=2" not in sim.commands and not log.of(AlarmRaised)
    assert [m["status"] for m in store.list_messages()] == ["received"]



def test_noise_between_header_and_pdu_from_the_stateful_simulator(sim_rig):
    sim, line, log, store = sim_rig("sim800")
    sim.sms.noise = "\ufffd\ufffd@\ufffd"  # what a noisy UART leaves between the lines
    sim.inject_sms("+79161234567", "через шум")
    assert log.wait_for(SmsReceived).text == "через шум"
    wait_until(lambda: not sim.sms_store)
