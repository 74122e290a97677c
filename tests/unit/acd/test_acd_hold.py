"""What a waiting caller hears: please hold, then looped music, an announcement now and then."""

from appliance.acd.hold import HoldPlayer
from calllogic_fakes import prompt, wavs


def hold(bus, control, every=30.0) -> HoldPlayer:
    player = HoldPlayer("c1", control, prompt, bus, every)
    player.start()
    return player


def finish(player: HoldPlayer, control) -> bool:
    return player.prompt_finished(control.last_play("c1").token)


def test_please_hold_then_looped_music(bus, control):
    player = hold(bus, control)
    assert control.plays_for("c1") == [wavs("please_hold")]
    assert finish(player, control) is True
    last = control.last_play("c1")
    assert (last.files, last.loop) == (wavs("hold_music"), True)


def test_announcement_every_period_then_music_again(bus, control):
    player = hold(bus, control, every=30.0)
    finish(player, control)
    bus.advance(29.9)
    assert len(control.plays) == 2
    bus.advance(0.1)
    last = control.last_play("c1")
    assert (last.files, last.loop) == (wavs("still_waiting"), False)
    finish(player, control)  # the announcement ends: music again, next one in 30 s
    assert control.last_play("c1").files == wavs("hold_music")
    bus.advance(30.0)
    assert control.plays_for("c1")[-1] == wavs("still_waiting")
    assert [p.files for p in control.plays].count(wavs("still_waiting")) == 2


def test_no_announcements_when_switched_off(bus, control):
    player = hold(bus, control, every=0)
    finish(player, control)
    bus.advance(3600)
    assert control.plays_for("c1") == [wavs("please_hold"), wavs("hold_music")]


def test_stopped_hold_never_announces_or_restarts_music(bus, control):
    player = hold(bus, control)
    finish(player, control)
    player.stop()
    bus.advance(300)
    assert len(control.plays) == 2
    assert finish(player, control) is False
    assert len(control.plays) == 2


def test_the_end_of_someone_elses_prompt_is_not_ours(bus, control):
    player = hold(bus, control)
    assert player.prompt_finished(control.last_play("c1").token + 100) is False
    assert control.plays_for("c1") == [wavs("please_hold")]
