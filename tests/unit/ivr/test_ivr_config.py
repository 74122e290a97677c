"""callbox.toml's [ivr]: hours, night switch, new actions, and the editor's validator."""

import pytest

from appliance.config.loader import ConfigProblems, parse_config, read_toml

BASE = """
[office]
language = "en"
[[dispatcher]]
name = "ali"
extension = "101"
phone = "sip:101@127.0.0.1:5071"
lamp = 17
[[queue]]
name = "taxi"
"""


def problems(text: str) -> list[str]:
    try:
        parse_config(read_toml((BASE + text).encode(), "callbox.toml"))
    except ConfigProblems as exc:
        return exc.problems
    return []


def test_hours_night_switch_and_new_actions_are_read():
    cfg = parse_config(read_toml((BASE + """
[voicemail]
max_s = 60
[ivr]
greeting = ""
night_switch = 5
[ivr.hours]
weekly = [{ days = ["sat", "sun", "mon", "tue", "wed", "thu"], from = "08:00", to = "22:00" }]
holidays = ["2026-03-21"]
closed_action = "hangup"
[[ivr.menu]]
id = "main"
prompt = "main_menu"
options = { "1" = "queue:taxi", "2" = "dispatcher:ali", "3" = "voicemail", "9" = "language:ru" }
default = "play:goodbye"
""").encode(), "x"))
    assert cfg.ivr.night_switch == 5 and cfg.voicemail.max_s == 60.0
    assert cfg.ivr.hours.weekly[0].from_ == "08:00" and cfg.ivr.hours.closed_action == "hangup"


def test_a_dead_end_in_the_toml_is_named_by_check_config():
    found = problems("""
[ivr]
[[ivr.menu]]
id = "main"
prompt = "main_menu"
options = { "1" = "queue:taxi", "2" = "menu:stuck" }
default = "hangup"
[[ivr.menu]]
id = "stuck"
prompt = "main_menu"
default = "menu:stuck"
""")
    assert any(p.startswith("ivr.menu[1]: menu stuck is a dead end") for p in found), found


@pytest.mark.parametrize("snippet, key", [
    ('[ivr]\nnight_switch = 17', "ivr.night_switch: pin 17 already used"),
    ('[ivr.hours]\nclosed_action = "queue:taxi"', "ivr.hours:"),
    ('[[ivr.menu]]\nid = "main"\nprompt = "main_menu"\ndefault = "dispatcher:bob"',
     "unknown dispatcher 'bob'"),
    ('[voicemail]\nmax_s = 0', "voicemail.max_s"),
])
def test_bad_ivr_values_name_the_key(snippet, key):
    assert any(key in p for p in problems(snippet)), problems(snippet)
