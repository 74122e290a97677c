"""SMS PDU codec: real PDUs, and round trips in Persian and Russian."""

from datetime import datetime, timezone

import pytest

from appliance.telephony.gsm import gsm7, pdu
from gsm_fixtures import load

NOW = datetime(2024, 3, 20, 8, 30, tzinfo=timezone.utc)
PERSIAN = "سلام، تاکسی برای خیابان ولیعصر پلاک ۱۲ لطفاً. ساعت ۸ صبح. " * 4
RUSSIAN = "Здравствуйте! Нужно такси на улицу Ленина, дом 5, к 8 утра. Спасибо. " * 4


@pytest.mark.parametrize("case", load("pdus")["pdu"], ids=lambda c: c["hex"][:20])
def test_real_pdus_decode(case):
    msg = pdu.decode(case["hex"])
    expected_type = {"deliver": pdu.Deliver, "report": pdu.StatusReport,
                     "submit": pdu.SubmitInfo}[case["kind"]]
    assert isinstance(msg, expected_type)
    for key, value in case["fields"].items():
        assert getattr(msg, key) == value, key
    if "concat" in case:
        assert msg.concat == pdu.Concat(**case["concat"])


@pytest.mark.parametrize("case", load("pdus")["submit"], ids=lambda c: c["text"])
def test_submit_encodes_byte_for_byte(case):
    (part,) = pdu.encode_submit(case["number"], case["text"], status_report=False, validity=None)
    assert part.hex == "00" + case["hex"][2:]  # we always leave the SMSC to the SIM
    assert part.length == len(case["hex"]) // 2 - 1


@pytest.mark.parametrize("text", [PERSIAN, RUSSIAN])
@pytest.mark.parametrize("bits", [8, 16])
def test_multipart_ucs2_round_trip(text, bits):
    parts = pdu.encode_submit("+989121234567", text, ref=300 if bits == 16 else 77, ref_bits=bits)
    assert len(parts) > 1
    decoded = [pdu.decode(p.hex) for p in parts]
    assert all(d.concat.bits == bits and d.concat.total == len(parts) for d in decoded)
    assert [d.concat.seq for d in decoded] == list(range(1, len(parts) + 1))
    assert "".join(d.text for d in decoded) == text
    header = 7 + len(pdu.encode_address("+989121234567"))  # FO MR DA PID DCS VP UDL
    assert all(p.length - header <= 140 for p in parts)  # user data never over 140 octets


def test_deliver_round_trip_with_16_bit_reference():
    pdus = pdu.encode_deliver("+79161234567", RUSSIAN, NOW, ref=0xBEEF, ref_bits=16)
    decoded = [pdu.decode(p) for p in pdus]
    assert {d.concat.ref for d in decoded} == {0xBEEF}
    assert "".join(d.text for d in decoded) == RUSSIAN
    assert decoded[0].sender == "+79161234567" and decoded[0].timestamp == NOW


def test_gsm7_escape_pair_is_never_split():
    text = "x" * 152 + "€" + "t" * 10
    parts = pdu.encode_submit("+4912345", text, ref=1)
    assert "".join(pdu.decode(p.hex).text for p in parts) == text
    assert pdu.decode(parts[0].hex).text == "x" * 152  # the € (2 septets) moved to part 2


def test_surrogate_pair_is_never_split():
    text = "ا" * 66 + "🚕" + "ب" * 5
    parts = pdu.encode_submit("+98912", text, ref=2)
    assert [pdu.decode(p.hex).text for p in parts] == ["ا" * 66, "🚕" + "ب" * 5]


def test_single_sms_limits():
    assert len(pdu.encode_submit("+1", "a" * 160)) == 1
    assert len(pdu.encode_submit("+1", "ж" * 70)) == 1
    with pytest.raises(ValueError):
        pdu.encode_submit("+1", "a" * 161)  # multipart needs a reference


def test_status_report_round_trip():
    report = pdu.decode(pdu.encode_status_report(42, "+79160000000", 0x41, NOW))
    assert (report.mr, report.recipient, report.delivered, report.final) == (42, "+79160000000",
                                                                           False, True)
    assert pdu.StatusReport(1, "", 0x21, None).final is False  # SMSC still trying


def test_truncated_and_non_hex_pdus_raise_pdu_error():
    with pytest.raises(pdu.PduError):
        pdu.decode("07911326040000F0040B9113")
    with pytest.raises(pdu.PduError):
        pdu.decode("not hex at all")


def test_gsm7_packing_matches_the_published_ussd_example():
    assert gsm7.encode_packed("*144#").hex().upper() == "AA188D3602"
    assert gsm7.decode_packed(bytes.fromhex("AA188D3602")) == "*144#"
    seven = gsm7.encode_packed("1234567")  # 7 chars: CR padding, never a stray '@'
    assert gsm7.decode_packed(seven) == "1234567"
