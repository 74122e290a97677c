"""Text the voicemail page's script shows: key -> English msgid."""

from appliance.i18n import N_

JS_STRINGS: dict[str, str] = {
    "unread": N_("%(n)s not handled yet"),
    "handled_by": N_("Handled by %(who)s"),
    "mark": N_("Mark handled"),
    "none": N_("No voicemail."),
    "seconds": N_("%(n)s s"),
    "failed": N_("Request failed"),
    "reason_ivr": N_("from the menu"),
    "reason_closed": N_("after hours"),
    "reason_overflow": N_("queue full"),
}
