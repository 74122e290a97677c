"""What self-service says, in the office language (spoken by espeak-ng per call)."""

from __future__ import annotations

_OFFER = {
    "en": "Your last pickup address is {address}, {city}. To send a taxi there, press one. "
          "To talk to a dispatcher, press two.",
    "fa": "آخرین نشانی شما {address}، {city} است. برای فرستادن تاکسی به همین نشانی، "
          "کلید یک را فشار دهید. برای صحبت با اپراتور، کلید دو را فشار دهید.",
    "ru": "Ваш последний адрес подачи: {address}, {city}. Чтобы отправить туда такси, "
          "нажмите один. Чтобы поговорить с диспетчером, нажмите два.",
}
_PLACED = {
    "en": "Thank you. Your order number {order} is placed; a taxi is on its way. Goodbye.",
    "fa": "سپاسگزاریم. سفارش شمارهٔ {order} ثبت شد و تاکسی در راه است. خدانگهدار.",
    "ru": "Спасибо. Ваш заказ номер {order} принят, такси уже в пути. До свидания!",
}
_STATUS = {
    "en": "Your order is {state}.",
    "fa": "وضعیت سفارش شما: {state}.",
    "ru": "Статус вашего заказа: {state}.",
}
_MINUTES = {
    "en": " The car will be with you in about {n} minutes.",
    "fa": " خودرو حدود {n} دقیقهٔ دیگر می‌رسد.",
    "ru": " Машина будет примерно через {n} минут.",
}
# Order states as the desk names them (appliance/desk/states.py) -> words to speak.
_STATES = {
    "en": {"scheduled": "booked for later", "new": "received",
           "assigned": "assigned to a driver", "arriving": "on its way to you",
           "picked_up": "under way", "done": "completed", "cancelled": "cancelled"},
    "fa": {"scheduled": "برای بعد رزرو شده", "new": "دریافت شده",
           "assigned": "به راننده سپرده شده", "arriving": "خودرو در راه شماست",
           "picked_up": "در حال انجام", "done": "انجام شده", "cancelled": "لغو شده"},
    "ru": {"scheduled": "запланирован", "new": "принят", "assigned": "передан водителю",
           "arriving": "машина едет к вам", "picked_up": "выполняется",
           "done": "выполнен", "cancelled": "отменён"},
}


def _lang(language: str) -> str:
    return language if language in _OFFER else "en"


def offer_text(language: str, address: str, city: str) -> str:
    return _OFFER[_lang(language)].format(address=address, city=city or "")


def placed_text(language: str, order_id: object) -> str:
    return _PLACED[_lang(language)].format(order=order_id)


def status_text(language: str, state: str, minutes: int | None) -> str:
    lang = _lang(language)
    spoken = _STATES[lang].get(state, state.replace("_", " "))
    text = _STATUS[lang].format(state=spoken)
    if minutes is not None and minutes >= 0:
        text += _MINUTES[lang].format(n=minutes)
    return text
