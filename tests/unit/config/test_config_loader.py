"""callbox.toml → Config: defaults, round trip, and a clear message for each bad key."""

from pathlib import Path

import pytest

from appliance.config.loader import (
    ConfigProblems, check_config_file, config_to_dict, load_toml, parse_config, read_toml,
    split_listen,
)
from appliance.config.model import Config
from appliance.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "callbox.toml"

# Two dispatchers and the default queues: the base every bad-value case extends.
BASE = """
[[dispatcher]]
name = "ali"
extension = "101"
phone = "sip:101@127.0.0.1:5071"
lamp = 17

[[dispatcher]]
name = "sara"
extension = "102"
phone = "sip:102@127.0.0.1:5072"
"""


def parse(text: str) -> Config:
    return parse_config(read_toml(text.encode(), "test.toml"))


def test_empty_file_gives_the_defaults():
    cfg = parse("")
    assert cfg == Config()
    assert [q.name for q in cfg.queue] == ["taxi", "office", "operator"]
    assert cfg.ivr.menus[0].options == {"1": "queue:taxi", "2": "queue:office",
                                        "0": "queue:operator"}


def test_example_file_is_valid_and_has_two_local_dispatchers():
    assert check_config_file(EXAMPLE) == []
    cfg = load_toml(EXAMPLE)
    assert [(d.name, d.phone) for d in cfg.dispatcher] == [
        ("Ali", "sip:101@127.0.0.1:5071"), ("Sara", "sip:102@127.0.0.1:5072")]
    assert cfg.office.timezone == "Asia/Tehran"
    assert cfg.lamps.status is None  # "none" switches the lamp off


def test_config_to_dict_round_trips():
    cfg = load_toml(EXAMPLE)
    assert parse_config(config_to_dict(cfg)) == cfg
    assert config_to_dict(cfg)["ivr"]["menu"][1]["id"] == "info"  # TOML name, not `menus`
    cfg.lamps.queue_waiting = None  # default is a pin: "off" must survive the trip
    assert config_to_dict(cfg)["lamps"]["queue_waiting"] == "none"
    assert parse_config(config_to_dict(cfg)).lamps.queue_waiting is None


def test_section_values_are_typed():
    cfg = parse(BASE + """
[office]
name = "Taxi"
language = "ru"
timezone = "Europe/Moscow"
country = "RU"
[lamps]
queue_waiting = "none"
[lamps.lines]
gsm1 = 5
[[gsm]]
name = "gsm1"
port = "/dev/serial/by-id/usb-x"
pin = "1234"
power_hook = "gpio:6"
[[queue]]
name = "taxi"
ring_timeout_s = 20
members = ["ali"]
[[queue]]
name = "office"
[[queue]]
name = "operator"
""")
    assert cfg.office.language == "ru"
    assert cfg.queue[0].ring_timeout_s == 20.0 and isinstance(cfg.queue[0].ring_timeout_s, float)
    assert cfg.lamps.queue_waiting is None
    assert cfg.gsm[0].pin == "1234" and cfg.lamps.lines == {"gsm1": 5}


BAD = [
    ('[office]\nlanguage = "de"', "office.language", "must be one of fa, ru, en"),
    ('[office]\nlanguage = 1', "office.language", "must be a string, not an integer (1)"),
    ('[office]\ntimezone = "Asia/Teheran"', "office.timezone", "not a valid IANA time zone"),
    ('[office]\ncountry = "XX"', "office.country", "ISO 3166 alpha-2"),
    ('[office]\ncountry = "ir"', "office.country", "ISO 3166 alpha-2"),
    ('[office]\ntimezon = "UTC"', "office.timezon", "unknown key (did you mean 'timezone'?)"),
    ('[web]\nlisten = "0.0.0.0:70000"', "web.listen", "port 70000 out of range"),
    ('[web]\nlisten = "8080"', "web.listen", "must be HOST:PORT"),
    ('[web]\nlisten = "300.1.1.1:80"', "web.listen", "not a host name or IP address"),
    ('[sip]\nlisten = "::1:5060"', "sip.listen", "IPv6 addresses in brackets"),
    ('[sip]\nrtp_port = 70000', "sip.rtp_port", "port 70000 out of range"),
    ('[sip]\nallowed_peers = ["10.0.0.300"]', "sip.allowed_peers[0]", "not an IP address"),
    ('[[sip.trunk]]\nname = "t"\nregistrar = "provider.example"',
     "sip.trunk[0].registrar", "not a valid SIP URI"),
    ('[[sip.trunk]]\nname = "t"', "sip.trunk[0].registrar", "missing"),
    ('[[dispatcher]]\nname = "bob"\nextension = "103"\nphone = "sip:103@10.0.0.5:99999"',
     "dispatcher[2].phone", "port 99999 out of range"),
    ('[[dispatcher]]\nname = "bob"\nextension = "103"\nphone = "10.0.0.5"',
     "dispatcher[2].phone", "must be a SIP URI (e.g. sip:101@192.168.1.21)"),
    ('[[dispatcher]]\nname = "bob"\nextension = "103"\nphone = "local"',
     "dispatcher[2].phone", 'phone = "local" (a headset on the box) is not supported'),
    ('[[dispatcher]]\nname = "ali"\nextension = "103"\nphone = "sip:103@10.0.0.5"',
     "dispatcher[2].name", "duplicate dispatcher name 'ali'"),
    ('[[dispatcher]]\nname = "bob"\nextension = "101"\nphone = "sip:103@10.0.0.5"',
     "dispatcher[2].extension", "duplicate extension '101'"),
    ('[[dispatcher]]\nname = "bob"\nextension = "x1"\nphone = "sip:103@10.0.0.5"',
     "dispatcher[2].extension", "must be digits"),
    ('[[dispatcher]]\nname = "bob"\nextension = "103"\nphone = "sip:103@10.0.0.5"\nlamp = 28',
     "dispatcher[2].lamp", "pin 28 out of range (GPIO 0-27)"),
    ('[[dispatcher]]\nname = "bob"\nextension = "103"\nphone = "sip:103@10.0.0.5"\nbutton = 17',
     "dispatcher[2].button", "pin 17 already used by dispatcher[0].lamp"),
    ('[[dispatcher]]\nname = "bob"\nextension = "103"\nphone = "sip:103@10.0.0.5"\nlamp = 22',
     "dispatcher[2].lamp", "pin 22 already used by lamps.queue_waiting"),
    ('[lamps]\nqueue_waiting = true', "lamps.queue_waiting", 'must be an integer or "none"'),
    ('[lamps]\npin_factory = "rpigpio"', "lamps.pin_factory", "must be one of lgpio, mock"),
    ('[lamps.lines]\ngsm9 = 5', "lamps.lines.gsm9", "unknown line 'gsm9'"),
    ('[[gsm]]\nname = "g"\nport = "/dev/ttyUSB2"\nprofile = "nokia"', "gsm[0].profile",
     "must be one of quectel, simcom, huawei, sim800, auto"),
    ('[[gsm]]\nname = "g"\nport = "/dev/ttyUSB2"\npin = "12"', "gsm[0].pin", "4 to 8 digits"),
    ('[[gsm]]\nname = "g"\nport = "/dev/ttyUSB2"\npower_hook = "gpio:17"',
     "gsm[0].power_hook", "pin 17 already used by dispatcher[0].lamp"),
    ('[[gsm]]\nname = "g"\nport = "/dev/ttyUSB2"\nbalance_every_min = 60',
     "gsm[0].balance_every_min", "needs balance_ussd"),
    ('[[gsm]]\nname = "g"\nport = "/dev/ttyUSB2"\n[[sip.trunk]]\nname = "g"\n'
     'registrar = "sip:p.example"', "gsm[0].name", "duplicate line name 'g'"),
    ('gsm = "modem"', "gsm", "must be a list of tables ([[gsm]])"),
    ('[[queue]]\nname = "taxi"\nmembers = ["bob"]', "queue[0].members[0]",
     "queue 'taxi' member 'bob' is not a dispatcher"),
    ('[[queue]]\nname = "taxi"\nstrategy = "random"', "queue[0].strategy",
     "must be one of ringall, longest-idle"),
    ('[[queue]]\nname = "taxi"\n[[queue]]\nname = "taxi"', "queue[1].name",
     "duplicate queue name 'taxi'"),
    ('[[queue]]\nname = "taxi"\nring_timeout_s = 0', "queue[0].ring_timeout_s",
     "must be greater than 0"),
    ('[[ivr.menu]]\nid = "main"\nprompt = "p"\noptions = { "1" = "queue:foo" }\n'
     'default = "hangup"', "ivr.menu[0].options.1",
     "ivr menu 'main' option '1' -> unknown queue 'foo'"),
    ('[[ivr.menu]]\nid = "main"\nprompt = "p"\noptions = { "1" = "menu:nope" }',
     "ivr.menu[0].options.1", "ivr menu 'main' option '1' -> unknown menu 'nope'"),
    ('[[ivr.menu]]\nid = "main"\nprompt = "p"\noptions = { "12" = "hangup" }',
     "ivr.menu[0].options.12", "'12' is not a key (0-9, *, #)"),
    ('[[ivr.menu]]\nid = "main"\nprompt = "p"\ndefault = "transfer"', "ivr.menu[0].default",
     "'transfer' is not an action"),
    ('[ivr]\nroot = "start"', "ivr.root", "unknown menu 'start'"),
    ('[[queue]]\nname = "taxi"', "ivr.menu[0].options.2",
     "unknown queue 'office' (this is the built-in menu"),
    ('queue = []', "queue", "at least one [[queue]] is needed"),
    ('[prompts.custom]\nwelcome = "welcome.mp3"', "prompts.custom.welcome",
     "must be a .wav file"),
    ('[prompts.texts]\nwelcome = 5', "prompts.texts.welcome", "must be a string"),
]


@pytest.mark.parametrize("snippet, key, message", BAD, ids=[b[1] for b in BAD])
def test_bad_value_names_the_key_and_why(snippet, key, message):
    # Top-level keys must come before the first [table].
    text = snippet + BASE if not snippet.startswith("[") else BASE + snippet
    with pytest.raises(ConfigError) as info:
        parse(text)
    problems = info.value.problems
    assert any(p.startswith(f"{key}: ") and message in p for p in problems), problems


def test_first_problem_is_the_errors_key_and_all_are_listed():
    with pytest.raises(ConfigProblems) as info:
        parse('[office]\nlanguage = "de"\n[web]\nlisten = "x:0"')
    assert info.value.key == "office.language"
    assert info.value.message.startswith("must be one of fa, ru, en")
    assert "2 problems" in str(info.value) and "web.listen" in str(info.value)


def test_toml_syntax_error_names_the_line(tmp_path):
    bad = tmp_path / "callbox.toml"
    bad.write_text('[office]\nname = "x"\nlanguage = = "fa"\n')
    with pytest.raises(ConfigError) as info:
        load_toml(bad)
    assert info.value.key == str(bad)
    assert "line 3" in info.value.message
    assert check_config_file(bad) == [f"{bad}: {info.value.message}"]


def test_check_config_file_lists_every_problem(tmp_path):
    path = tmp_path / "callbox.toml"
    path.write_text('[office]\nlanguage = "de"\ncountry = "XX"\n')
    problems = check_config_file(path)
    assert [p.split(":")[0] for p in problems] == ["office.language", "office.country"]


def test_custom_prompts_resolve_next_to_the_file_and_missing_ones_are_reported(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "welcome.wav").write_bytes(b"RIFF")
    path = tmp_path / "callbox.toml"
    path.write_text('[prompts.custom]\nwelcome = "prompts/welcome.wav"\nbye = "bye.wav"\n')
    cfg = load_toml(path)
    assert cfg.prompts.custom["welcome"] == str(tmp_path / "prompts" / "welcome.wav")
    assert check_config_file(path) == [
        f"prompts.custom.bye: file not found: {tmp_path / 'bye.wav'}"]


def test_utf8_bom_and_persian_text_are_read(tmp_path):
    path = tmp_path / "callbox.toml"
    path.write_bytes('\ufeff[office]\nname = "تاکسی ستاره"\nlanguage = "fa"\n'.encode())
    assert load_toml(path).office.name == "تاکسی ستاره"


def test_split_listen():
    assert split_listen("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert split_listen("[::1]:5060") == ("::1", 5060)
