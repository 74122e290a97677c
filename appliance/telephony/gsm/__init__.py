"""GSM modems as lines: AT channel, parsers, vendor profiles, PDU/USSD codecs, the modem
line, and a simulator (``sim``). See docs/gsm.md."""

from appliance.telephony.gsm.line import GsmLine, GsmTiming

__all__ = ["GsmLine", "GsmTiming"]
