"""The web's gettext layer: the reader's language per request, ``_()`` in Python and Jinja.

Use ``from web.i18n import gettext as _`` then ``_("Order saved")`` or
``_("%(n)d callers waiting", n=3)`` (named placeholders only); in templates
``{{ _("%(n)d waiting", n=n) }}``. Numbers passed as params get Persian digits on
Persian pages; text params (line names like ``gsm1``) are left alone.

The language is the signed-in user's stored choice, else the session's, else
``office.language``. Catalogues: see :mod:`appliance.i18n`.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from flask import Flask, current_app, g, has_request_context, session
from jinja2 import pass_context
from markupsafe import Markup, escape

from appliance.auth.users import AuthError
from appliance.i18n import (LANGUAGE_NAMES, LANGUAGES, RTL, Catalogues, N_,  # noqa: F401
                            format_params, pick_language, persian_digits)
from appliance.i18n import Translator as MessageTranslator
from web.context import web_context
from web.i18n_pages import CALLBACK_STRINGS, HEALTH_STRINGS, LIVE_STRINGS, MESSAGE_STRINGS

CATALOGUES = "callbox_i18n"


def catalogues() -> Catalogues:
    return current_app.extensions[CATALOGUES]


def _user_language() -> str | None:
    name = session.get("user")
    if not name:
        return None
    account = web_context().users.account(name)
    return account.get("language") if account else None


def remember_language(user: str, code: str) -> None:
    """Store ``code`` as the user's language (a deleted user is simply skipped)."""
    try:
        web_context().users.update_user(user, language=code)
    except AuthError:
        pass


def current_language() -> str:
    """The reader's language for this request (cached on ``g``)."""
    if not has_request_context():
        return "en"
    if "lang" not in g:
        g.lang = pick_language(_user_language(), session.get("lang"),
                               web_context().config.office.language)
    return g.lang


def current_translator() -> MessageTranslator:
    if not has_request_context():
        return MessageTranslator("en")
    return catalogues().translator(current_language())


def gettext(msgid: str, **params: Any) -> str:
    """``msgid`` in the reader's language, ``%(name)s`` placeholders filled."""
    return current_translator().gettext(msgid, **params)


_ = gettext


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """The plural form for ``n`` (available as ``%(n)d``)."""
    return current_translator().ngettext(singular, plural, n, **params)


def message(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """A core message (msgid + params from the control socket) in the reader's language."""
    return current_translator().message(msgid, params)


def js_catalog(msgids: Iterable[str]) -> dict[str, str]:
    """Translations for a page's JavaScript (injected as JSON; JS holds no literals)."""
    return current_translator().catalog(msgids)


@pass_context
def _jinja_gettext(ctx, msgid: str, **params: Any) -> str:
    t = current_translator()
    if ctx.eval_ctx.autoescape:
        return Markup(_fill(t.raw(msgid), params, t.lang, escape))
    return _fill(t.raw(msgid), params, t.lang, None)


@pass_context
def _jinja_ngettext(ctx, singular: str, plural: str, n: int, **params: Any) -> str:
    t = current_translator()
    params.setdefault("n", n)
    text = t.raw_plural(singular, plural, n)
    if ctx.eval_ctx.autoescape:
        return Markup(_fill(text, params, t.lang, escape))
    return _fill(text, params, t.lang, None)


def _fill(text: str, params: Mapping[str, Any], lang: str, esc) -> str:
    return format_params(text, params, lang, esc)


def register(app: Flask) -> None:
    """Load the catalogues once for this app and give templates ``_``/``ngettext``."""
    app.extensions[CATALOGUES] = Catalogues()
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.globals.update(_=_jinja_gettext, gettext=_jinja_gettext,
                                 ngettext=_jinja_ngettext, lang_names=LANGUAGE_NAMES)


# -- the old key -> (en, ru, fa) dict, kept only while templates move to msgids ---------
# key -> (English, Russian, Persian)
_STRINGS: dict[str, tuple[str, str, str]] = {
    "app": ("Callbox", "Callbox", "کال‌باکس"),
    "live": ("Live", "Сейчас", "وضعیت زنده"),
    "calls": ("Call log", "Журнал звонков", "گزارش تماس‌ها"),
    "login": ("Sign in", "Войти", "ورود"),
    "logout": ("Sign out", "Выйти", "خروج"),
    "username": ("User name", "Имя пользователя", "نام کاربری"),
    "password": ("Password", "Пароль", "گذرواژه"),
    "bad_login": ("Wrong user name or password.", "Неверное имя или пароль.",
                  "نام کاربری یا گذرواژه نادرست است."),
    "signed_in_as": ("Signed in as", "Вы вошли как", "وارد شده با"),
    "core_down": ("The call system is not running. Calls are not being handled!",
                  "Телефонная система не работает. Звонки не обрабатываются!",
                  "سامانهٔ تماس کار نمی‌کند. به تماس‌ها پاسخ داده نمی‌شود!"),
    "reconnecting": ("Reconnecting…", "Переподключение…", "در حال اتصال دوباره…"),
    "web_down": ("Lost the connection to the web server. Reconnecting…",
                 "Потеряна связь с веб-сервером. Переподключение…",
                 "ارتباط با سرور وب قطع شد. در حال اتصال دوباره…"),
    "queues": ("Callers waiting", "Ожидающие звонки", "تماس‌گیرندگان در انتظار"),
    "dispatchers": ("Dispatchers", "Диспетчеры", "اپراتورها"),
    "lines": ("Lines", "Линии", "خطوط"),
    "lamps": ("Lamps", "Лампы", "چراغ‌ها"),
    "nobody_waiting": ("Nobody waiting", "Никто не ждёт", "کسی در انتظار نیست"),
    "waiting_n": ("waiting", "ждут", "در انتظار"),
    "no_dispatchers": ("No dispatchers configured", "Диспетчеры не настроены",
                       "اپراتوری تعریف نشده است"),
    "no_lines": ("No lines configured", "Линии не настроены", "خطی تعریف نشده است"),
    "updated": ("Updated", "Обновлено", "به‌روزرسانی"),
    "needs_js": ("This page needs JavaScript to update live.",
                 "Для обновления страницы нужен JavaScript.",
                 "این صفحه برای به‌روزرسانی زنده به جاوااسکریپت نیاز دارد."),
    # dispatcher states
    "st_offline": ("Offline", "Не в сети", "خاموش"),
    "st_available": ("Free", "Свободен", "آزاد"),
    "st_ringing": ("Ringing", "Звонит", "در حال زنگ"),
    "st_busy": ("On a call", "Разговаривает", "در حال مکالمه"),
    "st_paused": ("Paused", "Перерыв", "مکث"),
    "st_wrapup": ("Wrap-up", "Завершение", "جمع‌بندی"),
    # line states
    "st_up": ("Ready", "Готова", "آماده"),
    "st_idle": ("Ready", "Готова", "آماده"),
    "st_down": ("Down", "Не работает", "قطع"),
    "st_no-signal": ("No signal", "Нет сигнала", "بدون آنتن"),
    "st_no-sim": ("No SIM", "Нет SIM", "بدون سیم‌کارت"),
    "st_unregistered": ("Not registered", "Не зарегистрирована", "ثبت نشده"),
    "st_alarm": ("Alarm", "Авария", "هشدار"),
    # lamp states
    "st_off": ("off", "выкл.", "خاموش"),
    "st_on": ("on", "вкл.", "روشن"),
    "st_blink": ("blinking", "мигает", "چشمک‌زن"),
    "st_fast-blink": ("fast blinking", "часто мигает", "چشمک تند"),
    "st_double-flash": ("double flash", "двойная вспышка", "دو چشمک"),
    # call log
    "filter": ("Show", "Показать", "نمایش"),
    "reset": ("Clear", "Сбросить", "پاک کردن"),
    "export_csv": ("Download CSV", "Скачать CSV", "دریافت CSV"),
    "date_from": ("From", "С", "از تاریخ"),
    "date_to": ("To", "По", "تا تاریخ"),
    "number": ("Phone number", "Номер телефона", "شماره تلفن"),
    "any": ("All", "Все", "همه"),
    "newer": ("← Newer", "← Новее", "جدیدتر →"),
    "older": ("Older →", "Старее →", "← قدیمی‌تر"),
    "no_calls": ("No calls match.", "Звонков не найдено.", "تماسی یافت نشد."),
    "bad_filter": ("Invalid filter", "Неверный фильтр", "فیلتر نامعتبر"),
    "col_started_at": ("Time", "Время", "زمان"),
    "col_direction": ("Dir.", "Напр.", "جهت"),
    "col_line": ("Line", "Линия", "خط"),
    "col_caller": ("Caller", "Кто звонил", "تماس‌گیرنده"),
    "col_callee": ("Called", "Кому", "مقصد"),
    "col_ivr_path": ("Menu", "Меню", "منو"),
    "col_queue": ("Queue", "Очередь", "صف"),
    "col_wait_s": ("Wait", "Ожидание", "انتظار"),
    "col_dispatcher": ("Dispatcher", "Диспетчер", "اپراتور"),
    "col_disposition": ("Result", "Итог", "نتیجه"),
    "col_hangup_cause": ("Hang-up cause", "Причина отбоя", "علت قطع"),
    "col_ended_at": ("Ended", "Окончен", "پایان"),
    "dir_in": ("in", "вх.", "ورودی"),
    "dir_out": ("out", "исх.", "خروجی"),
    "disp_answered": ("Answered", "Отвечен", "پاسخ داده شد"),
    "disp_abandoned": ("Hung up waiting", "Не дождался", "قطع در انتظار"),
    "disp_voicemail": ("Voicemail", "Голосовая почта", "پیام صوتی"),
    "disp_callback": ("Call back", "Перезвонить", "تماس برگشتی"),
    "disp_failed": ("Failed", "Ошибка", "ناموفق"),
    "disp_rejected": ("Rejected", "Отклонён", "رد شد"),
    "disp_interrupted": ("Interrupted", "Прерван", "قطع شد"),
    "disp_": ("In progress", "Идёт", "در جریان"),
    # navigation
    "nav_messages": ("Messages", "Сообщения", "پیامک‌ها"),
    "nav_health": ("Health", "Состояние", "سلامت"),
}
_STRINGS.update(LIVE_STRINGS)
_STRINGS.update(MESSAGE_STRINGS)
_STRINGS.update(HEALTH_STRINGS)
_STRINGS.update(CALLBACK_STRINGS)


def _index(lang: str) -> int:
    return LANGUAGES.index(lang) if lang in LANGUAGES else 0


class Translator:
    """Strings, digits and direction for one language."""

    def __init__(self, lang: str):
        self.lang = pick_language(lang)
        self._i = _index(self.lang)

    @property
    def rtl(self) -> bool:
        return self.lang in RTL

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    def __call__(self, key: str) -> str:
        entry = _STRINGS.get(key)
        return entry[self._i] if entry else key

    def format(self, key: str, **values: Any) -> str:
        """A string with ``{name}`` placeholders filled in."""
        return self(key).format(**values)

    def word(self, prefix: str, value: str | None) -> str:
        """``prefix + value`` translated, or ``value`` itself when there is no such string."""
        key = f"{prefix}{value}"
        return self(key) if key in _STRINGS else (value or "")

    def state(self, state: str | None) -> str:
        key = f"st_{state}"
        return self(key) if key in _STRINGS else (state or "")

    def digits(self, text: Any) -> str:
        """Numbers as the reader writes them (Persian digits on Persian pages)."""
        return persian_digits(text) if self.lang == "fa" else str(text)

    def table(self) -> dict[str, str]:
        """Every string, for the page's JavaScript."""
        return {key: entry[self._i] for key, entry in _STRINGS.items()}
