"""Default prompt texts per office language (fa, ru, en).

``{office}`` stands for the office name. Digits are written as words so that
every espeak-ng voice reads them the same way. Keys are the prompt keys the
IVR and the queue ask for; ``callbox.toml`` ``[prompts.texts]`` overrides any
of them (or adds new keys for custom menus).
"""

from __future__ import annotations

from appliance.errors import ConfigError

OFFICE_PLACEHOLDER = "{office}"

PROMPT_KEYS: tuple[str, ...] = (
    "welcome", "main_menu", "invalid", "no_input", "please_hold",
    "still_waiting", "goodbye", "closed", "connecting", "calling_customer",
    "voicemail_intro", "voicemail_saved",
)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "welcome": "Welcome to {office}.",
        "main_menu": "For a taxi, press one. For anything else, press two. "
                     "For the operator, press zero.",
        "invalid": "Sorry, that is not a valid choice.",
        "no_input": "We did not hear a choice.",
        "please_hold": "All our dispatchers are busy. Please hold, "
                       "your call is important to us.",
        "still_waiting": "Thank you for waiting, a dispatcher will be with you shortly.",
        "goodbye": "Thank you for calling. Goodbye.",
        "closed": "The office is closed now. Please call again during working hours.",
        "connecting": "Connecting you to a dispatcher.",
        "calling_customer": "Calling the customer, please stay on the line.",
        "voicemail_intro": "Please leave your message after the tone. "
                           "Press the hash key when you are done.",
        "voicemail_saved": "Thank you, your message has been saved. Goodbye.",
    },
    "fa": {
        "welcome": "به {office} خوش آمدید.",
        "main_menu": "برای درخواست تاکسی، کلید یک را فشار دهید. "
                     "برای سایر موارد، کلید دو را فشار دهید. "
                     "برای صحبت با اپراتور، کلید صفر را فشار دهید.",
        "invalid": "متأسفیم، این گزینه معتبر نیست.",
        "no_input": "انتخابی از شما دریافت نشد.",
        "please_hold": "همهٔ همکاران ما در حال پاسخگویی به تماس‌های دیگر هستند. "
                       "لطفاً پشت خط بمانید، تماس شما برای ما اهمیت دارد.",
        "still_waiting": "از شکیبایی شما سپاسگزاریم. "
                         "به‌زودی یکی از همکاران ما پاسخگوی شما خواهد بود.",
        "goodbye": "از تماس شما سپاسگزاریم. خدانگهدار.",
        "closed": "دفتر در حال حاضر تعطیل است. لطفاً در ساعات کاری تماس بگیرید.",
        "connecting": "لطفاً منتظر بمانید، تماس شما به اپراتور وصل می‌شود.",
        "calling_customer": "در حال تماس با مشتری، لطفاً گوشی را نگه دارید.",
        "voicemail_intro": "لطفاً پس از شنیدن صدای بوق پیام خود را بگذارید. "
                           "در پایان کلید مربع را فشار دهید.",
        "voicemail_saved": "سپاسگزاریم، پیام شما ذخیره شد. خدانگهدار.",
    },
    "ru": {
        # "Вас приветствует ..." keeps the office name in the nominative case,
        # so any name reads correctly without declension.
        "welcome": "Вас приветствует {office}.",
        "main_menu": "Чтобы заказать такси, нажмите один. "
                     "По другим вопросам нажмите два. "
                     "Для связи с оператором нажмите ноль.",
        "invalid": "Извините, такого варианта нет.",
        "no_input": "Мы не услышали ваш выбор.",
        "please_hold": "Все диспетчеры сейчас заняты. Пожалуйста, оставайтесь на линии, "
                       "ваш звонок очень важен для нас.",
        "still_waiting": "Спасибо за ожидание. Диспетчер скоро вам ответит.",
        "goodbye": "Спасибо за звонок. До свидания!",
        "closed": "Офис сейчас закрыт. Пожалуйста, позвоните в рабочее время.",
        "connecting": "Соединяю вас с диспетчером.",
        "calling_customer": "Звоню клиенту, пожалуйста, оставайтесь на линии.",
        "voicemail_intro": "Пожалуйста, оставьте сообщение после сигнала. "
                           "Когда закончите, нажмите решётку.",
        "voicemail_saved": "Спасибо, ваше сообщение сохранено. До свидания!",
    },
}

LANGUAGES: tuple[str, ...] = tuple(TEXTS)


def fill_office(text: str, office_name: str) -> str:
    """Put the office name in; plain replace so stray braces in overrides are harmless."""
    return text.replace(OFFICE_PLACEHOLDER, office_name)


def texts_for(language: str, office_name: str,
              overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Every prompt text for ``language``: defaults, then overrides, office name filled in."""
    if language not in TEXTS:
        raise ConfigError("office.language",
                          f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    merged = {**TEXTS[language], **(overrides or {})}
    return {key: fill_office(text, office_name) for key, text in merged.items()}
