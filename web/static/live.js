// Live status page: render /api/status, re-fetch it on every core event (SSE),
// count waiting times up every second, and say loudly when the core is down.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("live-settings").textContent);
  const T = cfg.strings;
  const FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  const LATE_S = 60;  // amber after this (red after twice it) unless a queue has its own target
  const SAFETY_REFRESH_MS = 20000;  // in case an event was dropped on the way
  let skewMs = 0;             // server clock minus browser clock
  let pending = null;
  const pickedReasons = {};   // dispatcher -> pause reason picked: kept across redraws

  function digits(text) {
    text = String(text);
    return cfg.lang === "fa" ? text.replace(/[0-9]/g, (d) => FA_DIGITS[d]) : text;
  }
  // "%(name)s" placeholders of a catalogue string (the same form as the Python side)
  function fill(text, params) {
    return text.replace(/%\((\w+)\)s/g, (all, name) => (name in params ? params[name] : all));
  }
  function tr(key, fallback) { return key in T ? T[key] : fallback; }
  function stateName(state) { return tr("st_" + state, state || ""); }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function replace(id, children, emptyText) {
    const box = document.getElementById(id);
    box.replaceChildren(...(children.length ? children : [el("p", "empty", emptyText)]));
  }

  function formatWait(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return digits((h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0"));
  }

  // When the caller started waiting, on the browser's clock: from the core's own
  // measurement (wait_s) when it sends one, else from "since" corrected for clock skew.
  function waitStart(w) {
    if (typeof w.wait_s === "number") return Date.now() - w.wait_s * 1000;
    const since = Date.parse(w.since);
    return isNaN(since) ? "" : since - skewMs;
  }

  function renderQueue(q) {
    const waiting = q.waiting || [];
    const target = Number(q.target_wait_s) || Number((cfg.targets || {})[q.name]) || LATE_S;
    const box = el("div", "queue");
    box.dataset.queue = q.name;
    box.dataset.target = target;
    const head = el("div", "queue-head");
    head.append(el("span", "count", digits(waiting.length)), el("span", "qname", q.name));
    box.append(head);
    if (!waiting.length) {
      box.append(el("p", "empty", T.nobody_waiting));
      return box;
    }
    box.classList.add("has-callers");
    const list = el("ul", "callers");
    for (const w of waiting) {
      const row = el("li", "caller");
      const num = el("bdi", "num", digits(w.caller_shown || w.caller || "?"));
      num.dir = "ltr";
      const wait = el("span", "wait");
      wait.dataset.start = waitStart(w);
      row.append(num, wait);
      list.append(row);
    }
    box.append(list);
    return box;
  }

  function canPause(name) {
    return cfg.canPause === "*" || (Array.isArray(cfg.canPause) && cfg.canPause.includes(name));
  }

  function renderDispatcher(d) {
    const box = el("div", "dispatcher d-" + d.state);
    box.dataset.dispatcher = d.name;
    box.append(el("div", "name", d.name), el("span", "badge state-" + d.state, stateName(d.state)));
    if (d.on_hold) box.append(el("span", "badge on-hold", T.on_hold));
    if (d.colleague) box.append(colleagueLine(d.colleague));
    if (d.pause_pending) box.append(el("div", "pending", T.pause_pending));
    if (d.logout_pending) box.append(el("div", "pending", T.logout_pending));
    if (d.state === "paused" && d.pause_reason) {
      box.append(el("div", "pause-reason", d.auto_paused ? T.auto_paused : d.pause_reason));
    }
    if (canPause(d.name) && d.state !== "offline") box.append(pauseButton(d));
    if (canPause(d.name) && cfg.presenceUrls) box.append(presenceButton(d));
    if (d.state === "busy" && d.on_call) box.append(...supervisionButtons(d));
    if (canPause(d.name)) box.append(...transferControls(d));
    return box;
  }

  // A call between two dispatchers' phones, on both cards: who with, instead of a customer.
  function colleagueLine(c) {
    const text = fill(tr("colleague_" + c.direction + "_" + c.state, c.state),
                      {name: "\u2068" + c.name + "\u2069"});  // a Latin name in Persian text
    const line = el("div", "colleague colleague-" + c.state, text);
    line.dataset.colleague = c.name;
    return line;
  }

  function actButton(label, cls, url, body) {
    const button = el("button", cls, label);
    button.type = "button";
    button.addEventListener("click", () => { button.disabled = true; act(url, body || {}); });
    return button;
  }

  // Transfer a call to a free dispatcher: Transfer (blind) or Consult (attended). While
  // one is under way: what happens, Complete transfer (attended) and Cancel.
  function transferControls(d) {
    if (!cfg.transferUrl) return [];
    const moving = (latest.transfers || []).find((t) => t.from === d.name);
    const box = el("div", "transfer-box");
    if (moving) {
      const url = cfg.transferUrl.replace("__call__", encodeURIComponent(moving.call_id));
      box.dataset.transfer = moving.state;
      box.append(el("span", "transfer-state", fill(tr("xfer_" + moving.state, moving.state),
                                                   {name: moving.to})));
      if (moving.mode === "attended" && !moving.from_leg_gone) {
        box.append(actButton(T.transfer_complete, "transfer-complete", url + "/complete"));
      }
      box.append(actButton(T.transfer_cancel, "transfer-cancel", url + "/cancel"));
      return [box];
    }
    const free = (latest.dispatchers || []).filter((o) => o.name !== d.name && o.state === "available");
    if (d.state !== "busy" || !d.on_call || !free.length) return [];
    const url = cfg.transferUrl.replace("__call__", encodeURIComponent(d.on_call));
    const pick = el("select", "transfer-pick");
    pick.setAttribute("aria-label", T.transfer_to);
    for (const other of free) {
      const option = el("option", "", other.name);
      option.value = other.name;
      pick.append(option);
    }
    box.append(pick);
    for (const [label, cls, mode] of [[T.transfer, "transfer-blind", "blind"],
                                      [T.consult, "transfer-consult", "attended"]]) {
      const button = el("button", cls, label);
      button.type = "button";
      button.addEventListener("click", () => {
        button.disabled = true;
        act(url, {to: pick.value, mode});  // the name picked when clicked
      });
      box.append(button);
    }
    return [box];
  }

  // Managers: listen / whisper / barge on a live call; a dispatcher: call the supervisor in.
  function supervisionButtons(d) {
    const buttons = [];
    const add = (label, cls, url, body) => {
      const button = el("button", "sup-btn " + cls, label);
      button.type = "button";
      button.addEventListener("click", () => { button.disabled = true; act(url, body); });
      buttons.push(button);
    };
    if (cfg.canSupervise) {
      const url = cfg.superviseUrl.replace("__call__", encodeURIComponent(d.on_call));
      for (const mode of ["listen", "whisper", "barge"]) add(T[mode], mode, url, {mode});
    } else if (canPause(d.name) && cfg.escalateUrl) {
      add(T.escalate, "escalate", cfg.escalateUrl.replace("__name__", encodeURIComponent(d.name)), {});
    }
    return buttons;
  }

  // Log in (offline) or out (anything else): POST /api/dispatchers/<name>/login|logout
  function presenceButton(d) {
    const what = d.state === "offline" ? "login" : "logout";
    const button = el("button", "presence-btn " + what, what === "login" ? T.log_in : T.log_out);
    button.type = "button";
    button.addEventListener("click", () => {
      button.disabled = true;
      act(cfg.presenceUrls[what].replace("__name__", encodeURIComponent(d.name)), {});
    });
    return button;
  }

  // The reason a pause button sends: the first configured one unless another is picked.
  function reasonPicker(d) {
    const pick = el("select", "pause-reason-pick");
    pick.setAttribute("aria-label", T.pause_reason);
    for (const reason of cfg.pauseReasons || []) {
      const option = el("option", "", reason);
      option.value = reason;
      pick.append(option);
    }
    if (pickedReasons[d.name]) pick.value = pickedReasons[d.name];
    pick.addEventListener("change", () => { pickedReasons[d.name] = pick.value; });
    return pick;
  }

  // Paused, or pausing after this call: the button undoes it; otherwise it pauses.
  function pauseButton(d) {
    const undo = d.state === "paused" || !!d.pause_pending;
    const label = d.state === "paused" ? T.resume : d.pause_pending ? T.cancel_pause : T.pause;
    const button = el("button", "pause-btn " + (undo ? "undo" : "pause"), label);
    button.type = "button";
    const pick = !undo && (cfg.pauseReasons || []).length ? reasonPicker(d) : null;
    button.addEventListener("click", () => {
      button.disabled = true;
      const body = {paused: !undo};
      if (pick) body.reason = pick.value;
      act(cfg.pauseUrl.replace("__name__", encodeURIComponent(d.name)), body);
    });
    if (!pick) return button;
    const group = el("span", "pause-group");
    group.append(pick, button);
    return group;
  }

  function renderMenuCaller(c) {
    const row = el("div", "menu-caller");
    row.dataset.call = c.call_id;
    const num = el("bdi", "num", digits(c.caller_shown || c.caller || "?"));
    num.dir = "ltr";
    row.append(num, el("span", "menu-id", T.menu_label + ": " + (c.menu || "")));
    return row;
  }

  function renderCapacity(cap) {
    const box = document.getElementById("capacity");
    box.hidden = !cap;
    if (!cap) return;
    const used = Number(cap.used) || 0, total = Number(cap.total) || 0;
    box.classList.toggle("full", total > 0 && used >= total);
    box.classList.toggle("nearly-full", total > 0 && used < total && used >= total * 0.75);
    const value = el("bdi", "cap-value", digits(used + " / " + (total || "–")));
    value.dir = "ltr";
    box.replaceChildren(el("span", "cap-label", T.capacity + ":"), value);
  }

  function renderDemo(demo) {
    document.getElementById("demo-switch").hidden = !demo;
    if (!demo) return;
    const on = !!demo.callers, toggle = document.getElementById("callers-switch");
    toggle.setAttribute("aria-checked", String(on));
    toggle.textContent = on ? T.switch_on : T.switch_off;
    toggle.classList.toggle("on", on);
    toggle.disabled = !cfg.canSwitchDemo;
  }

  function renderLine(l) {
    const box = el("div", "line");
    box.dataset.line = l.name;
    const head = el("div", "line-head");
    head.append(el("span", "name", l.name), el("span", "kind", l.kind || ""));
    box.append(head, el("span", "badge state-" + l.state, stateName(l.state)));
    return box;
  }

  function renderLamp(lamp) {
    const box = el("div", "lamp-box");
    box.dataset.lamp = lamp.name;
    const cls = lamp.state === "on" ? "lit" : lamp.state;
    const bulb = el("div", "lamp " + cls);
    bulb.title = lamp.name + (lamp.pin != null ? " (" + fill(T.gpio_pin, {pin: lamp.pin}) + ")" : "");
    box.append(bulb, el("div", "lamp-name", lamp.name), el("div", "lamp-state", stateName(lamp.state)));
    return box;
  }

  function renderAlarms(alarms) {
    const box = document.getElementById("alarms");
    box.hidden = !alarms.length;
    box.replaceChildren(...alarms.map((a) => {
      // each part isolated: a Latin source ("gsm:gsm1") keeps its place in Persian text
      const row = el("div", "alarm"), source = el("bdi", "", a.source), text = el("bdi", "", a.message || "");
      text.dir = "auto";
      row.append(el("strong", "", ""), text);
      row.firstChild.append(source, ": ");
      return row;
    }));
  }

  let latest = {};  // the status being drawn (transfers, who is free)
  function render(status) {
    latest = status;
    renderAlarms(status.alarms || []);
    replace("queues", (status.queues || []).map(renderQueue), T.nobody_waiting);
    replace("in-menu", (status.in_menu || []).map(renderMenuCaller), T.nobody_in_menu);
    replace("dispatchers", (status.dispatchers || []).map(renderDispatcher), T.no_dispatchers);
    renderCapacity(status.capacity);
    renderDemo(status.demo);
    replace("lines", (status.lines || []).map(renderLine), T.no_lines);
    replace("lamps", (status.lamps || []).map(renderLamp), "–");
    const now = new Date(Date.now() + skewMs);
    let shown;
    try {  // the office's clock, not the browser's
      shown = now.toLocaleTimeString(cfg.lang, {timeZone: cfg.timezone, hourCycle: "h23"});
    } catch (err) {
      shown = now.toLocaleTimeString(cfg.lang);
    }
    document.getElementById("updated").textContent = digits(shown);
    tick();
  }

  // Waiting times count up every second.
  function tick() {
    const now = Date.now();
    for (const queue of document.querySelectorAll(".queue")) {
      const target = Number(queue.dataset.target) || LATE_S;
      let over = false;
      for (const wait of queue.querySelectorAll(".wait")) {
        if (wait.dataset.start === "") continue;
        const seconds = (now - Number(wait.dataset.start)) / 1000;
        wait.textContent = formatWait(seconds);
        const row = wait.parentElement;
        row.classList.toggle("late", seconds >= target && seconds < 2 * target);
        row.classList.toggle("very-late", seconds >= 2 * target);
        over = over || seconds >= target;
      }
      queue.classList.toggle("over-target", over);
    }
  }

  function setCore(up) {
    document.getElementById("core-banner").hidden = up;
    document.getElementById("live").classList.toggle("stale", !up);
  }
  function setWeb(up) { document.getElementById("web-banner").hidden = up; }

  async function refresh() {
    let response;
    try {
      response = await fetch(cfg.statusUrl, {headers: {Accept: "application/json"},
                                             credentials: "same-origin", cache: "no-store"});
    } catch (err) {
      setWeb(false);
      return;
    }
    setWeb(true);
    if (response.status === 401) { window.location.href = cfg.loginUrl; return; }
    if (!response.ok) { setCore(false); return; }
    const date = Date.parse(response.headers.get("Date"));
    const skew = isNaN(date) ? 0 : date - Date.now();
    skewMs = Math.abs(skew) > 2000 ? skew : 0;  // the header has whole seconds only
    render(await response.json());
    setCore(true);
  }
  function scheduleRefresh() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 60);  // one fetch per burst
  }

  // An action on the core; the page redraws from the status it then reports.
  async function act(url, body) {
    let response;
    try {
      response = await fetch(url, {method: "POST", credentials: "same-origin", cache: "no-store",
                                   headers: {"Content-Type": "application/json",
                                             Accept: "application/json"},
                                   body: JSON.stringify(body)});
    } catch (err) {
      setWeb(false);
      scheduleRefresh();
      return;
    }
    if (response.status === 401) { window.location.href = cfg.loginUrl; return; }
    if (response.ok) {
      showError("");
    } else {
      let message = response.statusText || String(response.status);
      try { message = (await response.json()).message || message; } catch (err) { /* not JSON */ }
      showError(message);
    }
    scheduleRefresh();  // also re-enables the button that was clicked
  }

  let errorTimer = null;
  function showError(message) {
    const box = document.getElementById("action-error");
    clearTimeout(errorTimer);
    box.hidden = !message;
    // the core's message isolated: English or numbers keep their order on a Persian page
    box.textContent = message ? "⚠ " + T.action_failed + ": \u2068" + message + "\u2069" : "";
    if (message) errorTimer = setTimeout(() => { box.hidden = true; }, 10000);
  }

  // A stream the server refused (503: every live slot taken) must not leave the page
  // quietly polling: ask once more and show the server's reason until a slot frees.
  async function explainRefusal() {
    const abort = new AbortController();
    try {
      const response = await fetch(cfg.eventsUrl, {credentials: "same-origin",
                                                   signal: abort.signal});
      if (response.status === 503) {
        let message = response.statusText;
        try { message = (await response.json()).message || message; } catch (err) { /* not JSON */ }
        showRefusal(message);
      }
    } catch (err) { /* offline: the web banner says so */ }
    abort.abort();  // a stream that did open is closed again: listen() opens the real one
  }

  function showRefusal(message) {
    const box = document.getElementById("stream-refused");
    box.hidden = !message;
    box.textContent = message ? "⚠ " + message : "";
  }

  function listen() {
    const source = new EventSource(cfg.eventsUrl);
    for (const name of cfg.events) {
      if (name !== "CoreDown" && name !== "CoreUp") source.addEventListener(name, scheduleRefresh);
    }
    source.addEventListener("CoreDown", () => setCore(false));
    source.addEventListener("CoreUp", () => { setCore(true); scheduleRefresh(); });
    source.onopen = () => { setWeb(true); showRefusal(""); scheduleRefresh(); };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {  // e.g. signed out: find out why
        refresh();
        explainRefusal();
        setTimeout(listen, 3000);
      } else {
        setWeb(false);
      }
    };
  }

  document.getElementById("callers-switch").addEventListener("click", (e) => {
    const toggle = e.currentTarget;
    toggle.disabled = true;
    act(cfg.callersUrl, {enabled: toggle.getAttribute("aria-checked") !== "true"});
  });
  if (cfg.status) render(cfg.status);
  setCore(cfg.coreUp);
  listen();
  setInterval(tick, 1000);
  setInterval(scheduleRefresh, SAFETY_REFRESH_MS);
})();
