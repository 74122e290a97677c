"""Outbound route choice: which line (GSM modem or SIP trunk) a call out goes through.

``rules.py`` is pure logic (``[[route]]`` rules, the cheapest free line, the default);
``lines.py`` reads whether each line is free from the telephony side; ``service.py``
(``OutboundRouter``) puts the two together and remembers lines it has just handed out.
"""
