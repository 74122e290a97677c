"""The gettext layer: the reader's language, params, Persian digits only for numbers,
catalogues found in every translations/ folder and merged."""

from __future__ import annotations

from pathlib import Path

from flask import render_template_string

from appliance.i18n import N_, Catalogues
from web.i18n import gettext as _
from web.i18n import ngettext

PO = """msgid ""
msgstr ""
"Language: {lang}\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

{body}
"""


def _write_po(root: Path, lang: str, body: str) -> None:
    path = root / "translations" / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(PO.format(lang=lang, body=body), encoding="utf-8")


def test_catalogues_from_several_packages_are_merged_without_flask(tmp_path):
    _write_po(tmp_path / "one", "ru", 'msgid "Order saved"\nmsgstr "Заказ сохранён"\n')
    _write_po(tmp_path / "two" / "deep", "ru",
              'msgid "%(n)d waiting"\nmsgid_plural "%(n)d waiting"\n'
              'msgstr[0] "%(n)d ждёт"\nmsgstr[1] "%(n)d ждут"\nmsgstr[2] "%(n)d ждут"\n')
    cats = Catalogues([tmp_path])
    ru = cats.translator("ru")
    assert ru.gettext("Order saved") == "Заказ сохранён"
    assert ru.ngettext("%(n)d waiting", "%(n)d waiting", 1) == "1 ждёт"
    assert ru.ngettext("%(n)d waiting", "%(n)d waiting", 3) == "3 ждут"
    assert cats.translator("en").gettext("Order saved") == "Order saved"
    assert cats.translator("de").lang == "en"
    assert N_("no dispatcher named %(name)s") == "no dispatcher named %(name)s"


def test_persian_digits_for_numbers_only_and_message_params(tmp_path):
    _write_po(tmp_path, "fa", 'msgid "%(line)s: %(n)d waiting"\nmsgstr "%(line)s: %(n)d در انتظار"\n')
    fa = Catalogues([tmp_path]).translator("fa")
    assert fa.gettext("%(line)s: %(n)d waiting", line="gsm1", n=12) == "gsm1: ۱۲ در انتظار"
    # a core message: text params are isolated so they keep their order in RTL text
    assert fa.message("%(line)s: %(n)d waiting", {"line": "gsm2", "n": 3}) \
        == "\u2068gsm2\u2069: ۳ در انتظار"
    # English text filled in before it was stored (a hang-up cause) is recognised
    assert fa.message("gsm1: 7 waiting") == "\u2068gsm1\u2069: ۷ در انتظار"
    # params that do not fit the msgid show the msgid's translation, never crash
    assert fa.message("%(line)s: %(n)d waiting", {"nope": 1}) == "%(line)s: %(n)d در انتظار"
    assert fa.rtl and fa.direction == "rtl"


def test_params_sent_as_data_are_never_translated_but_reasons_in_stored_text_are(tmp_path):
    _write_po(tmp_path, "fa", 'msgid "no dispatcher named %(name)s"\n'
                              'msgstr "اپراتوری با نام %(name)s نیست"\n\n'
                              'msgid "busy"\nmsgstr "اشغال"\n\n'
                              'msgid "caller hung up while waiting (%(reason)s)"\n'
                              'msgstr "تماس‌گیرنده در انتظار قطع کرد (%(reason)s)"\n')
    fa = Catalogues([tmp_path]).translator("fa")
    # a dispatcher called "busy" keeps her name
    assert fa.message("no dispatcher named %(name)s", {"name": "busy"}) \
        == "اپراتوری با نام \u2068busy\u2069 نیست"
    assert fa.message("caller hung up while waiting (busy)") \
        == "تماس‌گیرنده در انتظار قطع کرد (\u2068اشغال\u2069)"


def test_request_language_follows_user_then_session_then_office(make_app, users, login):
    app = make_app("fa")
    users.add_user("anna", "correct horse", "dispatcher")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'dir="rtl"' in page and "ورود" in page  # office language
    client.get("/lang/ru")
    assert "Войти" in client.get("/login").get_data(as_text=True)  # the session's choice
    assert login(client, "anna").status_code == 302
    client.get("/lang/en")  # signed in: stored with the user
    assert users.account("anna")["language"] == "en"
    other = app.test_client()  # another browser, office language fa until sign-in
    assert login(other, "anna").status_code == 302
    page = other.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page


def test_jinja_underscore_escapes_params_and_formats_digits(make_app):
    app = make_app("fa")
    with app.test_request_context("/"):
        shown = render_template_string('{{ _("%(name)s: %(n)d", name=name, n=n) }}',
                                       name="<b>gsm1</b>", n=42)
        assert shown == "&lt;b&gt;gsm1&lt;/b&gt;: ۴۲"
        assert _("Live") == "وضعیت زنده"
        assert ngettext("%(n)d call", "%(n)d calls", 2) in ("۲ call", "۲ calls")
