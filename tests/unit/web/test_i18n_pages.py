"""What Persian and Russian readers saw wrong, through the real app: hang-up causes and
core refusals in English, mixed-direction text, Latin digits in the date field, line
names given Persian digits, bare English error pages, numbers not written the way the
office writes them."""

from __future__ import annotations

import re

import pytest

from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from appliance.i18n import N_

FSI, PDI = "\u2068", "\u2069"


@pytest.fixture
def reader(make_app, users, login):
    """reader(lang, role="supervisor") -> a signed-in client of an app whose office
    language is ``lang``."""
    def make(lang: str, role: str = "supervisor", name: str = "sam"):
        app = make_app(lang)
        users.add_user(name, "correct horse", role)
        client = app.test_client()
        assert login(client, name).status_code == 302
        return client
    return make


def _cells(html: str, cls: str) -> list[str]:
    return re.findall(rf'<td class="{cls}"[^>]*>(.*?)</td>', html, re.S)


def test_hang_up_causes_are_shown_in_the_readers_language(reader, seed_calls):
    seed_calls([
        {"started_at": "2026-11-26T08:00:00Z", "disposition": "abandoned",
         "hangup_cause": "caller hung up while waiting (busy)"},
        {"started_at": "2026-11-26T08:01:00Z", "disposition": "rejected",
         "hangup_cause": "486 all call slots busy"},
        {"started_at": "2026-11-26T08:02:00Z", "disposition": "answered",
         "hangup_cause": "something the core said that no catalogue knows"},
    ])
    fa = _cells(reader("fa").get("/calls").get_data(as_text=True), "cause")
    # newest first; the SIP code keeps its place next to its reason, in Persian digits
    assert fa[1] == f"{FSI}همهٔ ظرفیت تماس پر است{PDI} (کد ۴۸۶)"
    assert fa[2] == f"تماس‌گیرنده در انتظار قطع کرد ({FSI}اشغال{PDI})"
    assert fa[0] == "something the core said that no catalogue knows"  # as it is, never lost
    ru = _cells(reader("ru", name="rita").get("/calls").get_data(as_text=True), "cause")
    assert ru[1] == "486 все линии заняты" and ru[2] == "звонивший не дождался ответа (занято)"


def test_causes_and_core_text_are_marked_for_their_own_direction(reader, seed_calls):
    seed_calls([{"started_at": "2026-11-26T08:00:00Z", "hangup_cause": "486 all call slots busy",
                 "disposition": "rejected"}])
    html = reader("fa").get("/calls").get_data(as_text=True)
    assert '<td class="cause" dir="auto">' in html


def test_persian_call_log_writes_numbers_the_office_way_and_leaves_line_names(reader,
                                                                              seed_calls):
    seed_calls([{"started_at": "2026-11-26T08:00:00Z", "line": "gsm1",
                 "caller": "+989121234567", "disposition": "answered"}])
    html = reader("fa").get("/calls").get_data(as_text=True)
    row = re.search(r'<tr data-id=.*?</tr>', html, re.S).group(0)
    assert "<td>gsm1</td>" in row  # a name, not a number: Latin digits stay
    assert '<bdi dir="ltr">۰۹۱۲ ۱۲۳ ۴۵۶۷</bdi>' in row  # national format, Persian digits
    assert "۱۴۰۵/۰۹/۰۵" in row  # the Jalali date (Tehran time)
    en = reader("en", name="eve").get("/calls").get_data(as_text=True)
    assert '<bdi dir="ltr">0912 123 4567</bdi>' in en


def test_persian_date_fields_have_persian_digits_and_the_jalali_picker(reader):
    html = reader("fa").get("/calls?since=1405/09/01").get_data(as_text=True)
    since = re.search(r'<input name="since"[^>]*>', html).group(0)
    assert 'value="۱۴۰۵/۰۹/۰۱"' in since and 'placeholder="۱۴۰۵/۰۱/۰۱"' in since
    assert "data-jalali" in since and 'type="text"' in since
    assert 'id="jalali-settings"' in html and "jalali-picker.js" in html
    assert "فروردین" in html  # month names from the catalogue
    en = reader("en", name="eve").get("/calls").get_data(as_text=True)
    assert "data-jalali" not in en and 'type="date"' in en


def test_a_bad_filter_is_explained_in_the_readers_language(reader):
    response = reader("ru").get("/calls?since=вчера")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "С: «вчера» — не дата" in html


def test_error_pages_are_translated_inside_the_layout_with_the_menu(reader):
    client = reader("fa")
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'dir="rtl"' in html and "صفحه پیدا نشد" in html
    assert 'class="nav"' in html and 'href="/calls"' in html  # the menu is there
    assert "Not Found" not in html


def test_an_unexpected_failure_is_a_translated_500_page(make_app, users, login):
    app = make_app("ru")

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    from web.security import ROUTE_ROLES  # the route needs a row, like every route
    ROUTE_ROLES.setdefault("boom", ("supervisor",))
    try:
        users.add_user("sam", "correct horse", "supervisor")
        client = app.test_client()
        login(client, "sam")
        response = client.get("/boom")
    finally:
        ROUTE_ROLES.pop("boom", None)
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Что-то пошло не так" in html and 'class="nav"' in html and "kaput" not in html


@pytest.fixture
def refusing_core(data_dir):
    """A real control server whose actions refuse the way the core does: msgid + params."""
    def pause(args):
        raise CallboxError(N_("no dispatcher named %(name)s"), name=args.get("dispatcher"))

    def send_sms(args):
        raise CallboxError(N_("no GSM line named %(name)s"), name=args["line"])
    server = ControlServer(socket_path(data_dir), lambda: {"lines": [
        {"name": "gsm1", "kind": "gsm", "state": "idle"}]}, {"pause": pause, "send_sms": send_sms})
    server.start()
    yield server
    server.stop()


def test_a_core_refusal_reaches_the_api_in_the_readers_language(reader, refusing_core):
    response = reader("fa").post("/api/dispatchers/zed/pause", json={"paused": True})
    assert response.status_code == 409
    body = response.json
    assert body["message"] == f"اپراتوری با نام {FSI}zed{PDI} وجود ندارد"
    assert body["english"] == "no dispatcher named zed"
    assert body["msgid"] == "no dispatcher named %(name)s" and body["params"] == {"name": "zed"}


def test_a_refused_sms_says_why_in_russian_and_a_sent_one_keeps_the_line_name(
        reader, refusing_core, csrf):
    client = reader("ru")
    form = {"csrf": csrf(client, "/messages"), "line": "gsm1", "number": "09121234567",
            "text": "привет"}
    html = client.post("/messages", data=form).get_data(as_text=True)
    assert "нет GSM-линии gsm1" in html


def test_the_sent_message_notice_gives_digits_to_the_number_only(make_app, users, login, csrf,
                                                                 control_server):
    app = make_app("fa")
    users.add_user("sam", "correct horse", "supervisor")
    client = app.test_client()
    login(client, "sam")
    form = {"csrf": csrf(client, "/messages"), "line": "gsm1", "number": "09121234567",
            "text": "سلام"}
    page = client.post("/messages", data=form, follow_redirects=True).get_data(as_text=True)
    flash = re.search(r'<p class="flash"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "gsm1" in flash and "gsm۱" not in flash
    assert "۰۹۱۲ ۱۲۳ ۴۵۶۷" in flash


def test_the_live_page_gets_translated_alarms_and_office_style_numbers(make_app, users, login,
                                                                       core, control_server):
    core.status["alarms"] = [{"source": "health.cpu_hot", "message": "CPU temperature at or "
                              "above 80 °C", "msgid": "CPU temperature at or above %(hot_c)d °C",
                              "params": {"hot_c": 80}},
                             {"source": "sip",  # an older alarm: English text, no msgid
                              "message": "SIP engine missing: the pjsua2 module is not installed"}]
    core.status["queues"] = [{"name": "taxi", "waiting": [{"caller": "+989121234567",
                                                           "since": "2026-11-26T08:00:00Z"}]}]
    app = make_app("fa")
    users.add_user("sam", "correct horse", "supervisor")
    client = app.test_client()
    login(client, "sam")
    status = client.get("/api/status").json
    assert status["alarms"][0]["message"] == "دمای پردازنده ۸۰ درجه یا بیشتر است"
    assert status["alarms"][0]["english"] == "CPU temperature at or above 80 °C"
    assert status["alarms"][1]["message"] == "موتور SIP نصب نیست: ماژول pjsua2 نصب نشده است"
    waiting = status["queues"][0]["waiting"][0]
    assert waiting["caller"] == "+989121234567" and waiting["caller_shown"] == "0912 123 4567"


def _written_causes():
    """(file:line, text) of every hang-up cause the core writes: ``hangup_cause=`` of an
    event and the cause argument of the ``_end(...)`` helpers, f-string parts filled
    with a reason a leg really reports ("busy")."""
    import ast
    from pathlib import Path

    def sample(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else "busy" for v in node.values)
        return None
    root = Path(__file__).resolve().parents[3] / "appliance"
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            found = [k.value for k in node.keywords if k.arg == "hangup_cause"]
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "_end" and len(node.args) >= 3:
                found.append(node.args[2])
            for arg in found:
                text = sample(arg)
                if text:
                    yield f"{path.relative_to(root.parent)}:{node.lineno}", text


def test_every_hang_up_cause_the_core_writes_has_a_translation():
    from appliance.i18n import Catalogues
    cats = Catalogues()
    written = list(_written_causes())
    assert len(written) >= 10  # the scan finds the core's causes at all
    missing = [f"{where}: {text!r}" for lang in ("fa", "ru") for where, text in written
               if cats.translator(lang).message(text) == text]
    assert not missing, "\n".join(missing)
