"""One root error, one branch per capability (STYLE.md: errors and logs)."""


class CallboxError(Exception):
    """Root of every error callbox raises on purpose.

    Text a user will read is an English msgid plus named params, so the web can show it
    translated: ``raise CallboxError(N_("no dispatcher named %(name)s"), name=name)``
    (``N_`` from appliance.i18n). ``str(exc)`` is the English text for logs.
    """

    def __init__(self, *args: object, **params: object):
        if params and len(args) == 1 and isinstance(args[0], str):
            try:
                text = args[0] % params
            except (KeyError, ValueError, TypeError):  # a typo must not hide the refusal
                text = f"{args[0]} {params}"
            super().__init__(text)
        else:
            super().__init__(*args)
        self.msgid = args[0] if len(args) == 1 and isinstance(args[0], str) else None
        self.params = params


class ConfigError(CallboxError):
    """Invalid configuration; ``key`` names the offending key (dotted path)."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class TelephonyError(CallboxError):
    """A SIP or GSM operation failed."""


class SipEngineMissing(TelephonyError):
    """pjsua2 is not installed (e.g. an image built without the wheel)."""


class CapacityExceeded(TelephonyError):
    """No call slot left in the SIP engine."""


class ModemError(TelephonyError):
    """A GSM modem misbehaved."""


class AtCommandError(ModemError):
    def __init__(self, command: str, code: str):
        super().__init__(f"{command!r} failed: {code}")
        self.command = command
        self.code = code


class AtTimeout(ModemError):
    def __init__(self, command: str, partial: list[str] | tuple[str, ...] = ()):
        super().__init__(f"{command!r} timed out (partial: {list(partial)!r})")
        self.command = command
        self.partial = list(partial)


class StoreError(CallboxError):
    """The call log or another SQLite store failed."""


class PromptError(CallboxError):
    """A prompt could not be generated or loaded."""


class ControlError(CallboxError):
    """The core's control socket could not be reached or answered an error."""
