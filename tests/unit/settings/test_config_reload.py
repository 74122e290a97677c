"""The core's config_reload: queue settings saved on the admin page take effect in the
running ACD; dispatchers, lines or lamps changed say a restart is needed."""

from __future__ import annotations

from appliance.config.model import QueueConfig
from appliance.config.store import ConfigStore
from appliance.settings.editor import SettingsEditor
from appliance.settings.reload import ConfigReloader
from calllogic_fakes import Acd, dispatchers, prompt, taxi_queue


def _provision(tmp_path):
    toml = tmp_path / "callbox.toml"
    toml.write_text('[[dispatcher]]\nname = "ali"\nextension = "101"\nphone = "sip:101@10.0.0.2"\n'
                    '[[queue]]\nname = "taxi"\ntarget_wait_s = 60\n'
                    '[[queue]]\nname = "office"\n[[queue]]\nname = "operator"\n')
    with ConfigStore(tmp_path) as store:
        return store.provision(toml)


def test_queue_settings_apply_live_and_dispatchers_need_a_restart(tmp_path, bus, control):
    config = _provision(tmp_path)
    acd = Acd(list(config.queue), dispatchers("ali"), control, prompt, bus, bus.monotonic)
    state = {"config": config}
    reloader = ConfigReloader(tmp_path, lambda: state["config"],
                              lambda c: state.update(config=c), acd, lambda fn: fn())
    editor = SettingsEditor(tmp_path)
    queue = editor.current("queue")
    queue[0]["target_wait_s"] = 30.0
    queue[0]["ring_timeout_s"] = 7.0
    editor.update("queue", queue, "root")
    assert reloader.reload() == {"applied": ["queue"], "restart_needed": []}
    assert acd._queues["taxi"].ring_timeout_s == 7.0  # the next offer rings 7 s
    assert state["config"].queue[0].target_wait_s == 30.0
    rows = editor.current("dispatcher") + [{"name": "sara", "extension": "102",
                                            "phone": "sip:102@10.0.0.3"}]
    editor.update("dispatcher", rows, "root")
    assert reloader.reload() == {"applied": [], "restart_needed": ["dispatcher"]}


def test_a_new_queue_is_not_forced_into_a_running_acd(bus, control):
    acd = Acd([taxi_queue()], dispatchers("ali"), control, prompt, bus, bus.monotonic)
    left = acd.update_queue_settings([taxi_queue(), QueueConfig("office")])
    assert left == ["office"] and "office" not in acd._queues
