"""Per-call timeouts: an un-ACKed, mute, dead-air or endless call loses its slot."""

from appliance.telephony.sip.watchdog import CallWatch, Limits

LIM = Limits(ack_timeout_s=5, rtp_timeout_s=10, silence_timeout_s=30, max_call_s=100)


def test_answered_call_without_ack_times_out():
    w = CallWatch(LIM, 0.0, inbound=True)
    w.answered(0.0)
    assert w.check(4.9, None) is None
    assert w.check(5.0, None) == "no ACK"


def test_acked_call_does_not_time_out_for_ack():
    w = CallWatch(LIM, 0.0, inbound=True)
    w.answered(0.0)
    w.confirmed = True
    assert w.check(6.0, None) is None


def test_outbound_leg_has_no_ack_timer():
    w = CallWatch(LIM, 0.0, inbound=False)
    w.answered(0.0)
    assert w.check(6.0, None) is None


def test_no_rtp_for_the_timeout_hangs_up_and_packets_reset_it():
    w = CallWatch(LIM, 0.0, inbound=True)
    w.confirmed = True
    assert w.check(1.0, 0) is None
    assert w.check(10.9, 0) is None
    assert w.check(11.0, 0) == "no RTP"
    w2 = CallWatch(LIM, 0.0, inbound=True)
    for t in range(1, 40):
        assert w2.check(float(t), t * 50) is None  # packets keep coming


def test_max_duration_whatever_happens():
    w = CallWatch(LIM, 0.0, inbound=True)
    w.confirmed = True
    assert w.check(99.0, 1) is None
    assert w.check(100.0, 2) == "max duration"


def test_silence_counts_only_while_measurable():
    w = CallWatch(LIM, 0.0, inbound=True)
    assert not w.silent(10.0, None)  # not bridged: pjmedia does not measure it
    assert not w.silent(20.0, 0)
    assert not w.silent(39.0, 1)  # quiet since 10.0, the last moment it was not measured
    assert w.silent(40.0, 0)
    assert not w.silent(51.0, 90)  # speech again


def test_zero_disables_a_timer():
    w = CallWatch(Limits(ack_timeout_s=0, rtp_timeout_s=0, silence_timeout_s=0, max_call_s=0),
                  0.0, inbound=True)
    w.answered(0.0)
    assert w.check(1e6, 0) is None and w.check(2e6, 0) is None and not w.silent(3e6, 0)
