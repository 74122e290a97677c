"""UI strings in English, Russian and Persian, and the digits and direction each needs."""

from __future__ import annotations

from typing import Any

from web.i18n_pages import CALLBACK_STRINGS, HEALTH_STRINGS, LIVE_STRINGS, MESSAGE_STRINGS

LANGUAGES = ("en", "ru", "fa")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "fa": "فارسی"}
RTL = {"fa"}

_PERSIAN_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")

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


def pick_language(*candidates: str | None) -> str:
    """The first candidate we have strings for, else English."""
    for lang in candidates:
        if lang and lang.lower()[:2] in LANGUAGES:
            return lang.lower()[:2]
    return "en"


def persian_digits(text: Any) -> str:
    return str(text).translate(_PERSIAN_DIGITS)


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
