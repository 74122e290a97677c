"""SMS, USSD and the SIM PIN through pyserial against the simulator."""

import time

import pytest

from appliance.events import AlarmRaised, LineStateChanged, SmsReceived
from appliance.telephony.gsm.sim.harness import wait_until
from appliance.telephony.gsm.ussdflow import UssdFailed

PERSIAN = "سلام، لطفاً یک تاکسی به خیابان ولیعصر، کوچه ۱۲ بفرستید. مسافر با چمدان است. " * 3
RUSSIAN = "Добрый вечер! Пришлите, пожалуйста, такси к вокзалу, второй подъезд. Спасибо! " * 3


@pytest.fixture
def rig(sim_rig):
    return sim_rig


@pytest.mark.parametrize("profile", ["quectel", "simcom", "huawei", "sim800"])
def test_persian_multipart_via_cmti_out_of_order(rig, profile):
    sim, line, log, store = rig(profile)
    indexes = sim.inject_sms("+989121234567", PERSIAN, ref=77, reverse=True)
    assert len(indexes) == 4
    sms = log.wait_for(SmsReceived)
    assert (sms.number, sms.text) == ("+989121234567", PERSIAN)
    (stored,) = store.list_messages()
    assert (stored["id"], stored["text"], stored["status"]) == (sms.message_id, PERSIAN,
                                                                "received")
    wait_until(lambda: not sim.sms_store)  # read, stored, then deleted from the SIM


def test_russian_multipart_direct_delivery_with_16_bit_reference(rig):
    sim, line, log, store = rig("simcom", sms_delivery="cmt")
    sim.inject_sms("+79161234567", RUSSIAN, ref=0x1234, ref_bits=16)
    sms = log.wait_for(SmsReceived)
    assert sms.text == RUSSIAN and len(log.of(SmsReceived)) == 1
    assert store.list_messages(number="+79161234567")[0]["text"] == RUSSIAN


def test_messages_stored_while_the_box_was_down_are_read_at_start(rig):
    def before(sim):
        from datetime import datetime, timezone

        from appliance.telephony.gsm import pdu
        for p in pdu.encode_deliver("+79160000001", "пока вы спали", datetime.now(timezone.utc)):
            sim.sms_store[len(sim.sms_store) + 1] = p
    sim, line, log, store = rig("quectel", before_start=before)
    assert log.wait_for(SmsReceived).text == "пока вы спали"
    wait_until(lambda: not sim.sms_store)


@pytest.mark.parametrize("text", [PERSIAN, RUSSIAN, "Taxi at 8, gate {B} ~ 5€"])
def test_send_multipart_with_delivery_report(rig, text):
    sim, line, log, store = rig("quectel")
    mid = line.send_sms("+989121234567", text)
    wait_until(lambda: store.get_message(mid)["status"] == "delivered", 3)
    sent = sim.sent_sms
    assert "".join(s.text for s in sent) == text
    assert all(s.recipient == "+989121234567" and s.status_report for s in sent)
    if len(sent) > 1:
        assert len({s.concat.ref for s in sent}) == 1


def test_failed_delivery_report(rig):
    sim, line, log, store = rig("sim800")
    sim.delivery_status = 0x41  # incompatible destination: permanent
    mid = line.send_sms("+79160000000", "hi")
    wait_until(lambda: store.get_message(mid)["status"] == "failed", 3)


USSD_CASES = [
    ("quectel", "Ваш баланс: 120.50 руб.", 72),
    ("simcom", "موجودی شما ۲۵۰۰۰ ریال است", 72),
    ("sim800", "Баланс 55 руб", 17),
    ("huawei", "Balance: 12.30 EUR\nValid till 01.09", 15),
    ("huawei", "Остаток 300 МБ", 72),
    ("quectel", "Balance 7.00\nBonus 2.00", 15),  # multi-line text reply
]


@pytest.mark.parametrize("profile,text,dcs", USSD_CASES)
def test_ussd_round_trip(rig, profile, text, dcs):
    sim, line, log, store = rig(profile)
    sim.set_ussd_reply("*100#", text, dcs)
    assert line.ussd("*100#").result(3) == text
    assert sim.ussd_requests == ["*100#"]  # Huawei's was sent packed, decoded by the sim
    (last,) = store.last_ussd()
    assert (last["line"], last["request"], last["text"]) == (sim.name, "*100#", text)


def test_ussd_stray_release_before_the_answer(rig):
    sim, line, log, store = rig("quectel")
    sim.set_ussd_reply("*102#", "Минуты: 120", 72, stray_release=True)
    assert line.ussd("*102#").result(3) == "Минуты: 120"


def test_ussd_not_supported_fails(rig):
    sim, line, log, store = rig("simcom")
    with pytest.raises(UssdFailed):
        line.ussd("*999#").result(3)


def test_periodic_balance_shows_in_status(rig):
    def before(sim):
        sim.set_ussd_reply("*100#", "Balance 42", 15)
    sim, line, log, store = rig("quectel", before_start=before, balance="*100#")
    assert wait_until(lambda: line.status()["balance"], 3) == "Balance 42"


def test_wrong_pin_is_tried_once_then_alarm_never_again(rig):
    sim, line, log, store = rig("quectel", pin="0000", sim_pin="1234", wait_up=False)
    alarm = log.wait_for(AlarmRaised)
    assert "PIN" in alarm.message
    assert [c for c in sim.commands if c.startswith("AT+CPIN=")] == ['AT+CPIN="0000"']
    assert sim.pin_left == 2
    assert line.status()["state"] == "alarm" and line.status()["sim"] == "rejected"
    sim.reboot()
    line.post(line.reopen_and_init)  # a later re-init (after any recovery) asks the SIM again
    wait_until(lambda: sim.commands.count("AT+CPIN?") >= 2)
    time.sleep(0.3)
    assert sim.pin_left == 2
    assert len([c for c in sim.commands if c.startswith("AT+CPIN=")]) == 1


def test_pin_attempts_already_used_elsewhere_are_not_spent(rig):
    def before(sim):
        sim.pin_left = 1  # someone tried twice in a phone
    sim, line, log, store = rig("simcom", pin="1234", sim_pin="1234", wait_up=False,
                                before_start=before)
    log.wait_for(AlarmRaised)
    assert not [c for c in sim.commands if c.startswith("AT+CPIN=")]
    assert sim.pin_left == 1


def test_right_pin_unlocks_and_is_entered_again_after_a_reboot(rig):
    sim, line, log, store = rig("sim800", pin="1234", sim_pin="1234")
    assert sim.pin_ok
    sim.reboot()
    wait_until(lambda: len([c for c in sim.commands if c.startswith("AT+CPIN=")]) == 2, 3)
    wait_until(lambda: line.status()["state"] == "up")
    assert not log.of(AlarmRaised)


def test_no_sim(rig):
    def before(sim):
        sim.sim_present = False
    sim, line, log, store = rig("quectel", wait_up=False, before_start=before)
    log.wait_for(LineStateChanged, lambda e: e.state == "no-sim")
    assert not log.of(AlarmRaised)
