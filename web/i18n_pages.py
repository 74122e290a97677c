"""Words for the values the pages show (states, dispositions, ...) and the strings each
page's JavaScript needs, as msgids (English) marked for extraction.

Templates show a value with ``{{ label('state', l.state) }}``; a value without an entry
is shown as it is (the core may report a state this web does not know yet). Scripts get
``js_strings(...)`` injected as JSON: their keys, translated in the reader's language,
so no UI text is written in the JavaScript.
"""

from __future__ import annotations

from appliance.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "disposition": {
        "answered": N_("Answered"), "abandoned": N_("Hung up waiting"),
        "voicemail": N_("Voicemail"), "callback": N_("Called back"), "failed": N_("Failed"),
        "rejected": N_("Rejected"), "interrupted": N_("Interrupted"), "": N_("In progress"),
    },
    "direction": {"in": N_("in"), "out": N_("out")},
    # dispatcher, line and lamp states share one table (the core's state names)
    "state": {
        "offline": N_("Offline"), "available": N_("Free"), "ringing": N_("Ringing"),
        "busy": N_("On a call"), "paused": N_("Paused"), "wrapup": N_("Wrap-up"),
        "up": N_("Ready"), "idle": N_("Ready"), "down": N_("Down"),
        "no-signal": N_("No signal"), "no-sim": N_("No SIM"),
        "unregistered": N_("Not registered"), "alarm": N_("Alarm"),
        "off": N_("off"), "on": N_("on"), "blink": N_("blinking"),
        "fast-blink": N_("fast blinking"), "double-flash": N_("double flash"),
    },
    "firstboot": {
        "imported": N_("imported"), "refused": N_("refused"), "failed": N_("failed"),
        "unchanged": N_("unchanged"), "absent": N_("absent"),
    },
    "firstboot_banner": {
        "refused": N_("callbox.toml was refused: the previous configuration is still in force."),
        "failed": N_("Importing callbox.toml failed: the previous configuration is still "
                     "in force."),
    },
    "registration": {
        "home": N_("home"), "roaming": N_("roaming"), "searching": N_("searching"),
        "denied": N_("denied"), "unregistered": N_("not registered"), "unknown": N_("unknown"),
    },
    "sim": {
        "ready": N_("ready"), "pin": N_("needs PIN"), "puk": N_("locked (PUK)"),
        "absent": N_("missing"), "rejected": N_("rejected"), "unknown": N_("unknown"),
    },
    "filter": {
        "since": N_("From"), "until": N_("To"), "disposition": N_("Result"),
        "limit": N_("how many"), "offset": N_("from row"), "number": N_("Phone number"),
        "dispatcher": N_("Dispatcher"),
    },
    "role": {
        "admin": N_("admin"), "supervisor": N_("supervisor"), "dispatcher": N_("dispatcher"),
        "technician": N_("technician"),
    },
    "message": {
        "received": N_("received"), "partial": N_("parts missing"), "sending": N_("sending"),
        "sent": N_("sent"), "delivered": N_("delivered"), "failed": N_("failed"),
        "incomplete": N_("incomplete"), "undecodable": N_("undecodable"),
    },
}

LIVE_JS: dict[str, str] = {
    "nobody_waiting": N_("Nobody waiting"),
    "nobody_in_menu": N_("Nobody in the menu"),
    "no_dispatchers": N_("No dispatchers configured"),
    "no_lines": N_("No lines configured"),
    "menu_label": N_("menu"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "cancel_pause": N_("Cancel pause"),
    "pause_pending": N_("pause after this call"),
    "capacity": N_("Calls in use"),
    "switch_on": N_("On"),
    "switch_off": N_("Off"),
    "action_failed": N_("Could not do that"),
    "gpio_pin": N_("GPIO pin %(pin)s"),
    "log_in": N_("Log in"),
    "log_out": N_("Log out"),
    "pause_reason": N_("Reason"),
    "auto_paused": N_("paused by the box: calls rang out"),
    "logout_pending": N_("log out after this call"),
    "listen": N_("Listen"),
    "whisper": N_("Whisper"),
    "barge": N_("Barge in"),
    "escalate": N_("Call the supervisor in"),
    "transfer": N_("Transfer"),
    "consult": N_("Consult"),
    "transfer_to": N_("Transfer to"),
    "transfer_complete": N_("Complete transfer"),
    "transfer_cancel": N_("Cancel"),
    "xfer_ringing-blind": N_("Transferring to %(name)s…"),
    "xfer_ringing-consult": N_("Calling %(name)s; the caller is on hold"),
    "xfer_consulting": N_("Talking to %(name)s; the caller is on hold"),
    "on_hold": N_("Caller on hold"),
    # a call between dispatchers' phones (web/phonecalls.py): colleague_<direction>_<state>
    "colleague_out_ringing": N_("Calling %(name)s"),
    "colleague_in_ringing": N_("Call from %(name)s"),
    "colleague_out_talking": N_("Talking to %(name)s"),
    "colleague_in_talking": N_("Talking to %(name)s"),
    "colleague_out_refused": N_("%(name)s is not available"),
}

CALLBACK_JS: dict[str, str] = {
    "callback_started": N_("%(dispatcher)s's phone is ringing; %(number)s is called once "
                           "it is answered."),
    "callback_failed": N_("Could not call back"),
    "callback_pick": N_("Choose who calls back first."),
    "call_back": N_("Call back"),
}


def live_js_strings() -> dict[str, str]:
    """The live page's script strings, with each state as ``st_<state>``."""
    strings = dict(LIVE_JS)
    strings.update({f"st_{state}": text for state, text in LABELS["state"].items()})
    return strings


# The Jalali date picker (web/static/jalali-picker.js): month and day names
JALALI_MONTHS = (N_("Farvardin"), N_("Ordibehesht"), N_("Khordad"), N_("Tir"), N_("Mordad"),
                 N_("Shahrivar"), N_("Mehr"), N_("Aban"), N_("Azar"), N_("Dey"), N_("Bahman"),
                 N_("Esfand"))
WEEKDAYS_FROM_SATURDAY = (N_("Sat"), N_("Sun"), N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"),
                          N_("Fri"))
JALALI_JS = {"previous": N_("Previous month"), "next": N_("Next month")}
