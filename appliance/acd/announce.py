"""What the queue says to a waiting caller: their place, the expected wait, the callback offer.

The prompts are ordinary prompt keys (``queue_position_3``, ``queue_wait_5``,
``callback_offer_5``...) whose texts are made here for the office language and
handed to the prompt library, which generates them with espeak-ng once at
start-up — never per call. Numbers are spelt out (num2words) so every voice
reads them alike.
"""

from __future__ import annotations

import math
from typing import Iterable

from num2words import num2words

from appliance.config.model import QueueConfig

MAX_POSITION = 10  # "you are caller number N" up to this; beyond: "more than ten ahead"
WAIT_MINUTES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30)
KEY_WORDS = {"*": {"en": "star", "fa": "ستاره", "ru": "звёздочку"},
             "#": {"en": "hash", "fa": "مربع", "ru": "решётку"}}

_TEXTS = {
    "en": {"position": "You are number {n} in the queue.",
           "position_many": "There are more than {n} callers ahead of you.",
           "wait": "Your expected wait is about {n} minutes.",
           "wait_one": "Your expected wait is about one minute.",
           "wait_long": "Your expected wait is more than {n} minutes.",
           "offer": "To be called back without losing your place, press {n} and hang up.",
           "booked": "Thank you. We will call you back when it is your turn. Goodbye.",
           "full": "Sorry, all our lines are busy. Please call again later. Goodbye.",
           "recorded": "This call may be recorded."},
    "fa": {"position": "شما نفر {n} صف هستید.",
           "position_many": "بیش از {n} نفر پیش از شما در صف هستند.",
           "wait": "زمان تقریبی انتظار شما {n} دقیقه است.",
           "wait_one": "زمان تقریبی انتظار شما یک دقیقه است.",
           "wait_long": "زمان انتظار شما بیش از {n} دقیقه است.",
           "offer": "اگر می‌خواهید بدون از دست دادن نوبت با شما تماس بگیریم، "
                    "کلید {n} را فشار دهید و گوشی را بگذارید.",
           "booked": "سپاسگزاریم. وقتی نوبت شما برسد با شما تماس می‌گیریم. خدانگهدار.",
           "full": "متأسفیم، همهٔ خطوط ما مشغول است. لطفاً بعداً تماس بگیرید. خدانگهدار.",
           "recorded": "این تماس ممکن است ضبط شود."},
    "ru": {"position": "Вы {n} в очереди.",
           "position_many": "Перед вами больше {n} звонящих.",
           "wait": "Примерное время ожидания — {n} {minutes}.",
           "wait_one": "Примерное время ожидания — одна минута.",
           "wait_long": "Время ожидания — больше {n} минут.",
           "offer": "Чтобы мы перезвонили вам, сохранив вашу очередь, нажмите {n} "
                    "и положите трубку.",
           "booked": "Спасибо. Мы перезвоним вам, когда подойдёт ваша очередь. До свидания!",
           "full": "Извините, все линии заняты. Пожалуйста, позвоните позже. До свидания!",
           "recorded": "Этот разговор может быть записан."},
}


def _word(n: int, language: str) -> str:
    if language in ("ru", "fa"):  # "Вы третий в очереди", "نفر سوم": ordinals read naturally
        return num2words(n, lang=language, to="ordinal")
    return num2words(n, lang=language)


def _ru_minutes(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "минута"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "минуты"
    return "минут"


def _key_word(key: str, language: str) -> str:
    return KEY_WORDS[key][language] if key in KEY_WORDS else num2words(int(key), lang=language)


def queue_prompt_texts(language: str, queues: Iterable[QueueConfig]) -> dict[str, str]:
    """Texts of every prompt the configured queues may say (none when none announces)."""
    t = _TEXTS.get(language, _TEXTS["en"])
    lang = language if language in _TEXTS else "en"
    out: dict[str, str] = {}
    queues = list(queues)
    if any(q.announce_position for q in queues):
        for n in range(1, MAX_POSITION + 1):
            out[f"queue_position_{n}"] = t["position"].format(n=_word(n, lang))
        out["queue_position_many"] = t["position_many"].format(n=num2words(MAX_POSITION, lang=lang))
        for m in WAIT_MINUTES:
            out[f"queue_wait_{m}"] = (t["wait_one"] if m == 1 else
                                      t["wait"].format(n=num2words(m, lang=lang),
                                                       minutes=_ru_minutes(m)))
        out["queue_wait_long"] = t["wait_long"].format(n=num2words(WAIT_MINUTES[-1], lang=lang))
    for q in queues:
        if q.callback_key:
            out[f"callback_offer_{q.callback_key}"] = t["offer"].format(
                n=_key_word(q.callback_key, lang))
    if any(q.callback_key or q.overflow == "callback" for q in queues):
        out["callback_booked"] = t["booked"]
    if any(q.record for q in queues):
        out["recording_notice"] = t["recorded"]
    if any(q.max_wait_s or q.max_length for q in queues):
        out["queue_full"] = t["full"]
    return out


def position_keys(position: int) -> str:
    return f"queue_position_{position}" if position <= MAX_POSITION else "queue_position_many"


def expected_wait_s(position: int, handle_s: float, staffed: int) -> float:
    """Callers ahead (and this one) share the logged-in members: Erlang-free, but honest."""
    return position * handle_s / max(1, staffed)


def wait_key(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    for m in WAIT_MINUTES:
        if minutes <= m:
            return f"queue_wait_{m}"
    return "queue_wait_long"
