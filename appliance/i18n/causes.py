"""The wording of hang-up causes and call refusals as the core writes them, as msgids.

The call log stores the English text with its params filled in (``caller hung up while
waiting (busy)``, ``486 all call slots busy``): one TEXT column, readable in any SQLite
tool, and old rows need no migration. The web gives such text back its msgid and
params (:meth:`appliance.i18n.Translator.message` matches the filled-in form against
every msgid with placeholders) and shows it translated; a param that is itself a msgid
here (``busy``, ``all call slots busy``) is translated too.

Core code that writes a cause or reason should use these constants (or ``N_`` the same
text), so the wording and the catalogue cannot drift apart.
"""

from __future__ import annotations

from appliance.i18n import N_

# calls: how a call ended (CallEnded.hangup_cause)
CALLER_HUNG_UP = N_("caller hung up")
CALLER_HUNG_UP_WAITING = N_("caller hung up while waiting (%(reason)s)")
DISPATCHER_HUNG_UP = N_("dispatcher hung up")
CUSTOMER_HUNG_UP = N_("customer hung up")
CALLER_HUNG_UP_MENU = N_("caller hung up in the menu")
CALLER_HUNG_UP_CLOSED = N_("caller hung up: office closed")
MENU_HANG_UP = N_("menu: hang up")
CALLER_HUNG_UP_SELF_SERVICE = N_("caller hung up in self-service")
FEATURE_CODE = N_("feature code: %(code)s")
BOX_RESTARTED = N_("box restarted")
HUNG_UP_BEFORE_TONE = N_("caller hung up before the voicemail tone")
VOICEMAIL_LEFT = N_("voicemail left")
VOICEMAIL_TOO_SHORT = N_("no voicemail: the message was too short")
# ended by the box or its line, not the caller (appliance/endings.py)
TIMEOUT = N_("timeout: %(what)s")  # the SIP engine's per-call limits, params below
LINE_FAILED = N_("line failed: %(reason)s")  # a GSM modem failed under the call
MENU_NO_INPUT = N_("menu: no input")
# callbacks
DISPATCHER_PHONE_REFUSED = N_("dispatcher's phone did not answer (%(reason)s)")
DISPATCHER_PHONE_TIMEOUT = N_("dispatcher's phone did not answer in time")
CUSTOMER_UNREACHED = N_("customer not reached (%(reason)s)")
CUSTOMER_NO_ANSWER = N_("customer did not answer in time")
DISPATCHER_GAVE_UP = N_("dispatcher hung up before the customer answered")
# a refused call (CallRejected): the SIP status code and its reason
REJECTED = N_("%(code)d %(reason)s")
ALL_SLOTS_BUSY = N_("all call slots busy")
NO_SLOT_FREE = N_("no call slot free")
CALL_LIMIT = N_("call limit")
NO_SIP_ENGINE = N_("no SIP engine")

# reasons a leg ended (GSM cause names, common SIP reason phrases); shown inside causes
REASONS = (
    N_("normal"), N_("busy"), N_("no-answer"), N_("rejected"), N_("congestion"),
    N_("network"), N_("modem-failure"), N_("cause-%(n)d"), N_("box hung up"),
    N_("Normal call clearing"), N_("Busy Here"), N_("Request Terminated"), N_("Decline"),
    N_("Not Found"), N_("Temporarily Unavailable"), N_("Service Unavailable"),
    N_("Request Timeout"),
    N_("no ACK"), N_("no RTP"), N_("silence"), N_("max duration"),
)

# alarms raised with plain English text (no msgid yet); the web translates them as text
ALARMS = (
    N_("SIP engine missing: the pjsua2 module is not installed"),
)
