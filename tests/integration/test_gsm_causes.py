"""Item 8 of issue 9: +CMS ERROR and call-end causes carry their meaning text, in the
log and in the office's language on the page (msgids with fa/ru translations in
appliance/telephony/gsm/translations) — through pyserial against the simulator."""

import logging

import pytest

from appliance.events import LegEnded
from appliance.i18n import Catalogues
from appliance.telephony.gsm import causes
from appliance.telephony.gsm.sim.harness import wait_until
from gsm_transcripts import table


@pytest.fixture(scope="module")
def catalogues():
    return Catalogues()


@pytest.mark.parametrize("case", table("sms_errors", "error"))
def test_sms_refusals_are_stored_and_logged_with_their_meaning(sim_rig, case, catalogues,
                                                                caplog):
    sim, line, log, store = sim_rig("quectel")
    sim.sms_refusal = case["line"]
    with caplog.at_level(logging.WARNING, logger="callbox.gsm.sms"):
        mid = line.send_sms("+989121234567", "Taxi at 8")
        wait_until(lambda: store.get_message(mid)["status"] == "failed", 3)
    expected = f"not sent: {case['meaning']} (+CMS ERROR {case['code']})"
    assert store.get_message(mid)["error"] == expected
    assert expected in caplog.text
    ru = catalogues.translator("ru").message(expected)
    fa = catalogues.translator("fa").message(expected)
    assert ru.startswith("не отправлено: ") and case["meaning"] not in ru
    assert fa.startswith("ارسال نشد: ") and case["meaning"] not in fa


CALL_ENDS = [("huawei", 17, "user busy", "абонент занят", "مشترک مشغول است"),
             ("huawei", 1, "unassigned number", "номер не существует", "شماره وجود ندارد"),
             ("quectel", 17, "user busy", "абонент занят", "مشترک مشغول است"),
             ("sim800", 19, "no answer", "нет ответа", "پاسخی داده نشد")]


@pytest.mark.parametrize("profile,cause,meaning,ru,fa", CALL_ENDS)
def test_call_end_causes_carry_their_meaning(sim_rig, catalogues, caplog, profile, cause,
                                             meaning, ru, fa):
    sim, line, log, _ = sim_rig(profile)
    sim.dial_outcome = ("busy" if cause == 17 else "no-answer" if cause == 19 else "ring", 0.05)
    with caplog.at_level(logging.INFO, logger="callbox.gsm.call"):
        line.originate("leg-1", "+79161234567")
        if cause == 1:  # Huawei reports the network's cause in ^CEND
            wait_until(lambda: sim.call is not None)
            sim.end_call(("^CEND:1,0,104,1",), 1)
        ended = log.wait_for(LegEnded)
    assert (ended.code, ended.reason) == (cause, meaning)
    assert f"cause={cause} ({meaning})" in caplog.text
    assert catalogues.translator("ru").message(ended.reason) == ru
    assert catalogues.translator("fa").message(ended.reason) == fa
    # as the call log stores it for a callback (appliance/callback.py) and the page shows it
    logged = f"customer not reached ({ended.code} {ended.reason})"
    assert ru in catalogues.translator("ru").message(logged)


@pytest.mark.parametrize("number,text,code,meaning", [
    (30, "", "30", "unknown subscriber"), (None, "Memory full", "322", "memory full"),
    (None, "SMSC busy", "?", "SMSC busy"), (599, "", "599", "cause 599")])
def test_cms_error_forms(number, text, code, meaning):
    assert causes.cms_error(number, text) == (code, meaning)


def test_every_cause_text_is_translated(catalogues):
    for text in {*causes.CALL_CAUSES.values(), *causes.CMS_ERRORS.values()}:
        for lang in ("fa", "ru"):
            assert catalogues.translator(lang).raw(text) != text, (lang, text)


def test_the_messages_page_shows_why_in_the_office_language(sim_rig, tmp_path):
    """A refused SMS and an unreadable one, on the Russian messages page (Flask client)."""
    import re

    from appliance.auth import UserStore
    from appliance.config.model import Config, GsmConfig, OfficeConfig
    from appliance.store.db import db_path
    from appliance.store.messages import MessageStore
    from web import create_app

    store = MessageStore(db_path(tmp_path))
    failed = store.add_outgoing("gsm1", "+989121234567", "Taxi at 8")
    store.set_status(failed, "failed", causes.sms_error_text(30))
    store.add_undecodable("gsm1", "SM", 13, "+CMGR: 0,,25\n0791", causes.KEPT_UNREAD %
                          {"storage": "SM", "index": 13})
    config = Config(office=OfficeConfig(name="Taxi", language="ru", timezone="Asia/Tehran",
                                        country="IR"), gsm=[GsmConfig("gsm1", "/dev/null")])
    app = create_app(config, tmp_path)
    UserStore(tmp_path).add_user("dana", "correct horse", "dispatcher")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "dana", "password": "correct horse", "csrf": csrf})
    html = client.get("/messages").get_data(as_text=True)
    assert "неизвестный абонент" in html and "+CMS ERROR 30" in html
    assert "не удалось прочитать" in html  # the status label and the reason
    assert "unknown subscriber" not in html
