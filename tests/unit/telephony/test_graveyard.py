"""Dropped media objects live on for a second before they are destroyed (sip/graveyard.py)."""

import weakref

from appliance.telephony.sip.graveyard import Graveyard


class Player:
    pass


def test_a_buried_object_lives_until_its_delay_has_passed():
    now = [100.0]
    yard = Graveyard(clock=lambda: now[0], delay_s=1.0)
    player = Player()
    alive = weakref.ref(player)
    yard.append(player)
    del player
    yard.sweep()
    now[0] += 0.99
    yard.sweep()
    assert alive() is not None  # the bridge may still read it this tick
    now[0] += 0.02
    yard.sweep()
    assert alive() is None and len(yard) == 0


def test_objects_go_in_the_order_they_came_and_clear_drops_all():
    now = [0.0]
    yard = Graveyard(clock=lambda: now[0], delay_s=1.0)
    first, second = Player(), Player()
    refs = weakref.ref(first), weakref.ref(second)
    yard.append(first)
    now[0] = 0.5
    yard.append(second)
    del first, second
    now[0] = 1.2
    yard.sweep()
    assert refs[0]() is None and refs[1]() is not None
    yard.clear()  # shutdown: before libDestroy
    assert refs[1]() is None
