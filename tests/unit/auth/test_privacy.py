"""What a technician's screen shows of customers: masked numbers, no texts."""

from appliance.auth.privacy import mask, mask_number


def test_numbers_keep_only_their_head_and_last_two_digits():
    assert mask_number("+989121234567") == "+989•••67"
    assert mask_number("09121234567") == "091•••67"
    assert mask_number("2000") == "•••"  # a short code could still name someone
    assert mask_number("withheld") == "withheld"


def test_personal_fields_are_masked_deep_inside_status_and_events():
    status = {"queues": [{"name": "taxi", "waiting": [{"caller": "+989121234567",
                                                      "since": "2026-03-01T08:00:00Z"}]}],
              "in_menu": [{"call_id": "c9", "caller": "+989351112233", "menu": "main"}],
              "dispatchers": [{"name": "anna", "phone": "sip:101@10.0.0.21"}]}
    shown = mask(status)
    assert shown["queues"][0]["waiting"][0] == {"caller": "+989•••67",
                                                "since": "2026-03-01T08:00:00Z"}
    assert shown["in_menu"][0]["caller"] == "+989•••33" and shown["in_menu"][0]["menu"] == "main"
    assert shown["dispatchers"] == status["dispatchers"]  # staff, not customers
    sms = mask({"number": "+989121234567", "text": "pick me up at Azadi 12", "line": "gsm1"})
    assert sms == {"number": "+989•••67", "text": "•••", "line": "gsm1"}
    assert status["in_menu"][0]["caller"] == "+989351112233"  # the original is untouched
