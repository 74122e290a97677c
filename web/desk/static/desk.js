// The dispatcher desk: the caller's card while the phone rings (SSE DeskChanged),
// a keyboard-first order form with address autocomplete, and the open orders,
// kept live on every open desk (SSE OrderChanged). Text comes from cfg.strings.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("desk-settings").textContent);
  const T = cfg.strings;
  const FA = "۰۱۲۳۴۵۶۷۸۹";
  const NEXT = {scheduled: ["new", "cancelled"], new: ["assigned", "cancelled"],
                assigned: ["arriving", "cancelled"], arriving: ["picked_up", "cancelled"],
                picked_up: ["done", "cancelled"]};
  const $ = (id) => document.getElementById(id);
  let current = null;      // the card shown (customer or a new-number card)
  let suggestions = [];
  let active = -1;
  let inList = null;       // the chosen address is in the street list / history
  let suggestTimer = null;

  function digits(text) {
    text = String(text == null ? "" : text);
    return cfg.lang === "fa" ? text.replace(/[0-9]/g, (d) => FA[d]) : text;
  }
  function tr(key, params) {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(params || {})) {
      text = text.replace(new RegExp("%\\(" + k + "\\)[sd]", "g"),
                          typeof v === "number" ? digits(v) : String(v));
    }
    return text;
  }
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function ltr(text) { const s = el("bdi", "num", text); s.dir = "ltr"; return s; }
  function showError(text) {
    const box = $("desk-error");
    box.textContent = text || "";
    box.hidden = !text;
  }
  async function api(url, options) {
    const opts = Object.assign({credentials: "same-origin", headers: {}}, options || {});
    if (opts.body && typeof opts.body !== "string") {
      opts.body = JSON.stringify(opts.body);
      opts.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, opts);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.message || response.statusText),
                                          {status: response.status, data: data});
    return data;
  }
  function localTime(iso) {
    if (!iso) return "";
    const when = new Date(iso);
    return when.toLocaleString(cfg.lang === "fa" ? "fa-IR-u-ca-persian" : cfg.lang,
                               {timeZone: cfg.timezone, dateStyle: "short", timeStyle: "short"});
  }

  // ------------------------------------------------------------ the card
  function section(title, items, render) {
    const box = el("div", "card-section");
    box.append(el("h3", null, title));
    const list = el("ul");
    for (const item of items) list.append(render(item));
    if (!items.length) list.append(el("li", "empty", T.nothing));
    box.append(list);
    return box;
  }
  function renderCard(card, call) {
    current = card;
    const box = $("card");
    box.replaceChildren();
    box.dataset.state = card ? (card.new ? "new" : "known") : "empty";
    box.classList.toggle("alert", !!(card && card.alerts && card.alerts.length));
    $("customer-form").hidden = !(card && card.new);
    $("edit-customer").hidden = !(card && !card.new);
    for (const node of document.querySelectorAll(".merge")) node.hidden = !(card && !card.new);
    if (!card) { box.append(el("p", "empty", T.no_call)); return; }
    const head = el("div", "card-head");
    head.append(el("strong", "card-name", card.name || T.new_customer));
    if (card.id) head.append(el("span", "card-id", digits("#" + card.id)));
    for (const flag of card.flags) head.append(el("span", "flag flag-" + flag, T[flag] || flag));
    box.append(head);
    if (call) box.append(el("p", "card-call", T[call.state] || ""));
    for (const alert of card.alerts || []) {
      const text = alert.kind === "blacklist" ? tr("blacklisted", {reason: alert.reason})
        : tr("open_order", {id: alert.order_id, state: T["st_" + alert.state] || alert.state});
      box.append(el("p", "card-alert", text));
    }
    const phones = el("p", "card-phones");
    for (const phone of card.phones_shown || card.phones) phones.append(ltr(digits(phone)), " ");
    box.append(phones);
    if (card.notes) box.append(el("p", "card-notes", card.notes));
    if (card.new) {
      fillCustomerForm(card);
      return;
    }
    box.append(section(T.addresses, card.addresses, (a) => {
      const li = el("li", "address", a.text + (a.city ? " · " + a.city : "") + " ");
      li.append(el("span", "count", tr("times", {n: a.count})));
      return li;
    }));
    box.append(section(T.orders, card.orders, (o) => el("li", "order state-" + o.state,
      digits("#" + o.id) + " " + (T["st_" + o.state] || o.state) + " · " + o.pickup +
      (o.cancel_reason ? " (" + o.cancel_reason + ")" : "") +
      (o.inform_status ? " · " + (T["inform_" + o.inform_status] || o.inform_status) : ""))));
    box.append(section(T.complaints, card.complaints, (c) => el("li", "complaint", c.text)));
    const form = el("form", "complaint-form");
    const input = el("input");
    input.id = "complaint-text";
    input.setAttribute("aria-label", T.add_complaint);
    input.placeholder = T.add_complaint;
    const add = el("button", "small", T.add);
    add.type = "submit";
    form.append(input, add);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!input.value.trim()) return;
      try {
        await api(cfg.urls.customers + "/" + card.id + "/complaints",
                  {method: "POST", body: {text: input.value}});
        showCustomer(card.id);
      } catch (err) { showError(err.message); }
    });
    box.append(form);
    box.append(section(T.calls, card.calls, (c) => el("li", "call",
      localTime(c.started_at) + " · " + (c.direction_label || "") + " · " +
      (c.disposition_label || "") + (c.dispatcher ? " · " + c.dispatcher : ""))));
  }

  async function refreshDesk() {
    if (!cfg.dispatcher) return;
    try {
      const desk = await api(cfg.urls.desk + "?dispatcher=" + encodeURIComponent(cfg.dispatcher));
      const badge = $("desk-state");
      badge.textContent = T[desk.state] || (desk.state === "idle" ? T.no_call : desk.state);
      badge.className = "badge state-" + desk.state;
      if (desk.call && desk.customer) {
        desk.customer.call_id = desk.call.call_id;
        renderCard(desk.customer, desk);
      }
      else if (!current) renderCard(null);
      showColleague(desk.colleague);
      onCall = desk.state === "talking";
    } catch (err) { showError(err.message); }
    refreshTransfer();
  }

  // A call with a colleague's phone: said above the card, never looked up as a customer
  // (the card shown before, if any, stays: A may be asking B about that customer).
  function showColleague(colleague) {
    const box = $("desk-colleague");
    box.hidden = !colleague;
    box.textContent = colleague ? tr("colleague_" + colleague.direction + "_" + colleague.state,
                                     {name: "\u2068" + colleague.name + "\u2069"}) : "";
    box.dataset.state = colleague ? colleague.state : "";
    const empty = $("card").querySelector("p.empty");
    if (empty) empty.hidden = !!colleague;  // not "No call" under "Call from colleague …"
  }

  // ------------------------------------------------------------ transfer (web/transfers)
  // On a call: Transfer (blind) or Consult (attended) to a free dispatcher; while one is
  // under way: what happens, Complete transfer (attended) and Cancel.
  let onCall = false;
  function transferButton(label, cls, click) {
    const button = el("button", "small " + cls, label);
    button.type = "button";
    button.addEventListener("click", () => { button.disabled = true; click(); });
    return button;
  }
  async function refreshTransfer() {
    const box = $("desk-transfer");
    if (!box || !cfg.dispatcher || !cfg.urls.transfer) return;
    let status;
    try { status = await api(cfg.urls.status); } catch (err) { box.replaceChildren(); return; }
    const people = status.dispatchers || [];
    const me = people.find((d) => d.name === cfg.dispatcher) || {};
    const moving = (status.transfers || []).find((t) => t.from === cfg.dispatcher);
    const send = (url, body) => api(url, {method: "POST", body: body || {}})
      .then(refreshTransfer, (err) => { showError(err.message); refreshTransfer(); });
    box.replaceChildren();
    if (moving) {
      const url = cfg.urls.transfer.replace("__call__", encodeURIComponent(moving.call_id));
      box.append(el("span", "transfer-state", tr("xfer_" + moving.state, {name: moving.to})));
      if (moving.mode === "attended" && !moving.from_leg_gone) {
        box.append(transferButton(T.transfer_complete, "transfer-complete", () => send(url + "/complete")));
      }
      box.append(transferButton(T.transfer_cancel, "transfer-cancel", () => send(url + "/cancel")));
      return;
    }
    const free = people.filter((d) => d.name !== cfg.dispatcher && d.state === "available");
    if (me.state !== "busy" || !me.on_call || !free.length) return;
    const url = cfg.urls.transfer.replace("__call__", encodeURIComponent(me.on_call));
    const pick = el("select", "transfer-pick");
    pick.setAttribute("aria-label", T.transfer_to);
    for (const d of free) {
      const option = el("option", "", d.name);
      option.value = d.name;
      pick.append(option);
    }
    box.append(pick,
      transferButton(T.transfer, "transfer-blind", () => send(url, {to: pick.value, mode: "blind"})),
      transferButton(T.consult, "transfer-consult", () => send(url, {to: pick.value, mode: "attended"})));
  }
  async function showCustomer(id) {
    renderCard(await api(cfg.urls.customers + "/" + id));
  }

  // ------------------------------------------------------------ customer search / save
  async function search() {
    const q = $("customer-search").value.trim();
    const list = $("search-results");
    if (!q) { list.hidden = true; return; }
    const byNumber = /^[+0-9۰-۹٠-٩\s\-()]+$/.test(q);
    const found = await api(cfg.urls.customers + "?limit=10&" + (byNumber ? "number=" : "q=") +
                            encodeURIComponent(q));
    list.replaceChildren();
    for (const c of found) {
      const li = el("li", "result", (c.name || "—") + " ");
      li.append(ltr(digits((c.phones_shown || c.phones).join(", "))));
      li.tabIndex = 0;
      li.addEventListener("click", () => { list.hidden = true; showCustomer(c.id); });
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") li.click(); });
      list.append(li);
    }
    if (!found.length) {
      list.append(el("li", "empty", T.no_results));
      if (byNumber) renderCard({id: null, name: "", phones: [q], notes: "", flags: [],
                                alerts: [], new: true});
    }
    list.hidden = false;
  }
  function fillCustomerForm(card) {
    $("cust-name").value = card.name || "";
    $("cust-phones").value = (card.phones || []).join(", ");
    $("cust-notes").value = card.notes || "";
    $("cust-vip").checked = card.flags.includes("vip");
    $("cust-blacklist").checked = card.flags.includes("blacklist");
    $("cust-dnc").checked = card.flags.includes("do_not_call");
    $("cust-reason").value = card.blacklist_reason || "";
  }
  function editCustomer() {
    if (!current || current.new) return;
    fillCustomerForm(current);
    $("customer-form").hidden = false;
    $("cust-name").focus();
  }
  async function saveCustomer(event) {
    event.preventDefault();
    const flags = [$("cust-vip"), $("cust-blacklist"), $("cust-dnc")]
      .filter((box) => box.checked).map((box) => box.value);
    const body = {name: $("cust-name").value, notes: $("cust-notes").value, flags: flags,
                  blacklist_reason: $("cust-reason").value,
                  phones: $("cust-phones").value.split(",").map((p) => p.trim()).filter(Boolean)};
    const existing = current && !current.new ? current.id : null;
    try {
      const card = await api(cfg.urls.customers + (existing ? "/" + existing : ""),
                             {method: existing ? "PATCH" : "POST", body: body});
      renderCard(card);
      $("order-result").textContent = T.customer_saved;
      showError("");
    } catch (err) { showError(err.message); }
  }
  async function mergeCustomer() {
    const other = Number($("cust-merge").value.replace(/[۰-۹]/g, (d) => FA.indexOf(d)));
    if (!current || !current.id || !other) return;
    try {
      renderCard(await api(cfg.urls.customers + "/" + current.id + "/merge",
                           {method: "POST", body: {from: other}}));
      showError("");
    } catch (err) { showError(err.message); }
  }
  async function addDriver(event) {
    event.preventDefault();
    try {
      const d = await api(cfg.urls.drivers, {method: "POST", body: {
        name: $("d-name").value, phone: $("d-phone").value, car: $("d-car").value,
        colour: $("d-colour").value, plate: $("d-plate").value}});
      const option = el("option", null, d.name + " · " + d.car + " " + d.colour + " · " + d.plate);
      option.value = d.id;
      $("assign-driver").append(option);
      $("driver-form").reset();
      showError("");
    } catch (err) { showError(err.message); }
  }
  async function importStreets(event) {
    event.preventDefault();
    const file = $("streets-file").files[0];
    if (!file) return;
    try {
      const report = await api(cfg.urls.import, {method: "POST", body: {csv: await file.text()}});
      const box = $("streets-report");
      box.replaceChildren(el("p", null, tr("imported", {added: report.added,
                                                        duplicates: report.duplicates})));
      for (const bad of report.errors) {
        box.append(el("p", "bad-row", tr("bad_row", {line: bad.line, message: bad.message})));
      }
      showError("");
    } catch (err) { showError(err.message); }
  }

  // ------------------------------------------------------------ the order form
  function setKind() {
    const visit = $("o-kind").value === "visit";
    for (const node of document.querySelectorAll(".visit-only")) node.hidden = !visit;
    for (const node of document.querySelectorAll(".ride-only")) node.hidden = visit;
  }
  function openOrder() {
    const form = $("order-form");
    form.reset();
    $("o-city").value = cfg.city || "";
    $("o-number").value = current && current.phones.length ? current.phones[0] : "";
    setKind();
    inList = null;
    form.hidden = false;
    showWhen();
    readBack();
    (current ? $("o-pickup") : $("o-number")).focus();
  }
  function closeSuggestions() {
    $("pickup-list").hidden = true;
    $("o-pickup").setAttribute("aria-expanded", "false");
    active = -1;
  }
  function drawSuggestions() {
    const list = $("pickup-list");
    list.replaceChildren();
    suggestions.forEach((s, i) => {
      const li = el("li", "suggestion" + (i === active ? " active" : ""), s.text);
      li.setAttribute("role", "option");
      if (s.city) li.append(el("span", "city", " · " + s.city));
      if (s.source === "history") li.append(el("span", "from-history", " · " + T.from_history));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
      list.append(li);
    });
    list.hidden = !suggestions.length;
    $("o-pickup").setAttribute("aria-expanded", String(!list.hidden));
  }
  async function suggest() {
    const q = $("o-pickup").value;
    inList = null;
    readBack();
    if (!q.trim()) { suggestions = []; drawSuggestions(); return; }
    const params = new URLSearchParams({q: q, city: $("o-city").value, limit: "8"});
    if (current && current.id) params.set("customer", current.id);
    const asked = q;
    const found = await api(cfg.urls.streets + "?" + params);
    if ($("o-pickup").value !== asked) return;  // typed on meanwhile
    suggestions = found;
    active = found.length ? 0 : -1;
    drawSuggestions();
  }
  function choose(i) {
    const s = suggestions[i];
    if (!s) return;
    $("o-pickup").value = s.text;
    if (s.city) $("o-city").value = s.city;
    inList = true;
    closeSuggestions();
    readBack();
  }
  function readBack() {
    const address = $("o-pickup").value.trim();
    const check = $("address-check");
    check.textContent = !address ? "" : inList ? T.in_list : T.not_in_list;
    check.className = "address-check" + (address && !inList ? " warn" : "");
    $("readback").textContent = address ? tr("readback", {address: address,
                                                          city: $("o-city").value || "—"}) : "";
  }
  function pickupKeys(e) {
    if ($("pickup-list").hidden || !suggestions.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      active = (active + step + suggestions.length) % suggestions.length;
      drawSuggestions();
    } else if (e.key === "Enter") {
      e.preventDefault();
      choose(active < 0 ? 0 : active);
    } else if (e.key === "Escape") {
      e.stopPropagation();
      closeSuggestions();
    }
  }
  // Office wall time -> Date, whatever the browser's own time zone is.
  function officeParts(ts) {
    const parts = new Intl.DateTimeFormat("en-US", {timeZone: cfg.timezone, hourCycle: "h23",
      year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
      second: "numeric"}).formatToParts(new Date(ts));
    const v = {};
    for (const part of parts) v[part.type] = Number(part.value);
    return v;
  }
  function zoned(y, mo, d, h, mi) {
    const wall = Date.UTC(y, mo - 1, d, h, mi);
    let ts = wall;
    for (let i = 0; i < 2; i += 1) {
      const v = officeParts(ts);
      const offset = Date.UTC(v.year, v.month - 1, v.day, v.hour, v.minute, v.second) -
        Math.floor(ts / 1000) * 1000;
      ts = wall - offset;
    }
    return new Date(ts);
  }
  // Jalali -> Gregorian (Borkowski's algorithm, as web/jalali.py and jalali-picker.js).
  const BREAKS = [-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097,
                  2192, 2262, 2324, 2394, 2456, 3178];
  const div = (a, b) => Math.trunc(a / b);
  const mod = (a, b) => a - div(a, b) * b;
  function jalaliToGregorian(jy, jm, jd) {
    const gy = jy + 621;
    let leapJ = -14, jp = BREAKS[0], jump = 0;
    for (let i = 1; i < BREAKS.length; i += 1) {
      jump = BREAKS[i] - jp;
      if (jy < BREAKS[i]) break;
      leapJ += div(jump, 33) * 8 + div(mod(jump, 33), 4);
      jp = BREAKS[i];
    }
    const n = jy - jp;
    leapJ += div(n, 33) * 8 + div(mod(n, 33) + 3, 4);
    if (mod(jump, 33) === 4 && jump - n === 4) leapJ += 1;
    const march = 20 + leapJ - (div(gy, 4) - div((div(gy, 100) + 1) * 3, 4) - 150);
    const day = new Date(Date.UTC(gy, 2, march));
    day.setUTCDate(day.getUTCDate() + (jm - 1) * 31 - div(jm, 7) * (jm - 7) + jd - 1);
    return [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
  }
  // "+30" (minutes from now), "18:30" (today, or tomorrow once past), "2026-03-01 18:30" or
  // a Jalali "1405/01/12 18:30"; any digits; office time. ``base`` is the day a bare time
  // belongs to (a visit's window end).
  function parseWhen(text, base) {
    const t = String(text || "").trim().replace(/[۰-۹]/g, (d) => FA.indexOf(d))
      .replace(/[٠-٩]/g, (d) => "٠١٢٣٤٥٦٧٨٩".indexOf(d));
    if (!t) return null;
    let m = t.match(/^\+(\d{1,4})$/);
    if (m) return new Date(Date.now() + Number(m[1]) * 60000);
    m = t.match(/^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2})[:.](\d{2})$/);
    if (m) {
      let [y, mo, d] = [+m[1], +m[2], +m[3]];
      if (y < 1700) [y, mo, d] = jalaliToGregorian(y, mo, d);
      return zoned(y, mo, d, +m[4], +m[5]);
    }
    m = t.match(/^(\d{1,2})[:.](\d{2})$/);
    if (m) {
      const v = officeParts(base ? base.getTime() : Date.now());
      let when = zoned(v.year, v.month, v.day, +m[1], +m[2]);
      if (!base && when < new Date()) when = new Date(when.getTime() + 86400000);
      return when;
    }
    return undefined;  // not understood
  }
  function whenField(field) {
    if (field.name === "scheduled_for") return parseWhen(field.value);
    return parseWhen(field.value, parseWhen($("o-when").value) || new Date());
  }
  function showWhen() {
    const when = parseWhen($("o-when").value);
    $("when-readback").textContent = when === undefined ? T.bad_when
      : when ? localTime(when.toISOString()) : "";
  }
  async function saveOrder(event) {
    if (event) event.preventDefault();
    const form = $("order-form");
    if (form.hidden) return;
    const data = {};
    for (const field of form.elements) {
      if (!field.name || field.hidden || field.value === "") continue;
      if (field.classList.contains("when")) {
        const when = whenField(field);
        if (when === undefined) {
          $("order-result").textContent = tr("save_failed", {message: T.bad_when});
          field.focus();
          return;
        }
        data[field.name] = when ? when.toISOString() : "";
        continue;
      }
      data[field.name] = field.value;
    }
    if (current && current.call_id) data.call_id = current.call_id;
    try {
      const made = await api(cfg.urls.orders, {method: "POST", body: data});
      $("order-result").textContent = tr("saved", {id: made.id}) + " · " +
        $("readback").textContent;
      form.hidden = true;
      showError("");
      refreshOrders();
      if (made.customer_id) showCustomer(made.customer_id);
    } catch (err) {
      $("order-result").textContent = tr("save_failed", {message: err.message});
    }
  }

  // ------------------------------------------------------------ open orders
  async function move(order, state) {
    const body = {state: state};
    if (state === "cancelled") {
      const reason = window.prompt(T.cancel_reason);
      if (!reason) return;
      body.reason = reason;
    }
    if (state === "assigned") {
      if (!$("assign-driver").value) { showError(T.driver_needed); return; }
      body.driver = Number($("assign-driver").value);
      body.eta_min = Number($("assign-eta").value || 0);
    }
    try {
      await api(cfg.urls.orders + "/" + order.id + "/state", {method: "POST", body: body});
      showError("");
    } catch (err) { showError(err.message); }
    refreshOrders();
  }
  async function refreshOrders() {
    const rows = await api(cfg.urls.orders + "?state=open&limit=100");
    const body = $("open-orders");
    body.replaceChildren();
    for (const o of rows) {
      const tr_ = el("tr", "order-row state-" + o.state);
      tr_.dataset.order = o.id;
      tr_.append(el("td", null, digits(o.id)), el("td", "state", T["st_" + o.state] || o.state));
      const num = el("td");
      num.append(ltr(digits(o.number_shown || o.number)));
      const when = o.scheduled_for ? " · " + localTime(o.scheduled_for) : "";
      const what = (o.kind === "visit" ? T.visit + ": " : "") + o.pickup +
        (o.city ? " · " + o.city : "") + when;
      tr_.append(num, el("td", null, what),
                 el("td", null, (o.driver || "") + (o.inform_status ? " · " +
                   (T["inform_" + o.inform_status] || o.inform_status) : "")));
      const actions = el("td", "actions");
      for (const next of NEXT[o.state] || []) {
        const b = el("button", "small act-" + next, T["act_" + next] || next);
        b.type = "button";
        b.addEventListener("click", () => move(o, next));
        actions.append(b);
      }
      tr_.append(actions);
      body.append(tr_);
    }
  }

  // ------------------------------------------------------------ live events
  let polling = null;
  function listen() {
    const source = new EventSource(cfg.urls.events);
    // A refused stream (503: too many live pages) closes for good: say so, and poll.
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED || polling) return;
      showError(T.live_off);
      polling = setInterval(() => { refreshDesk(); refreshOrders(); }, 5000);
    });
    source.addEventListener("open", () => {
      if (polling) { clearInterval(polling); polling = null; showError(""); }
    });
    source.addEventListener("DeskChanged", (e) => {
      const data = JSON.parse(e.data);
      if (data.dispatcher === cfg.dispatcher) refreshDesk();
    });
    source.addEventListener("OrderChanged", (e) => {
      const data = JSON.parse(e.data);
      refreshOrders();
      if (current && current.id && data.customer_id === current.id) showCustomer(current.id);
    });
    source.addEventListener("CoreUp", () => { refreshDesk(); refreshOrders(); });
    for (const name of ["TransferStarted", "CallTransferred", "TransferFailed", "DispatcherStateChanged"]) {
      source.addEventListener(name, () => { if (onCall) refreshTransfer(); });
    }
  }

  // ------------------------------------------------------------ keys
  document.addEventListener("keydown", (e) => {
    if (e.key === "F2") { e.preventDefault(); openOrder(); }
    else if (e.key === "F4") { e.preventDefault(); editCustomer(); }
    else if (e.key === "F9" || (e.key === "Enter" && e.ctrlKey)) { e.preventDefault(); saveOrder(); }
    else if (e.key === "Escape" && !$("order-form").hidden) { $("order-form").hidden = true; }
  });
  const chooser = $("choose-dispatcher");
  if (chooser) chooser.addEventListener("change", () => chooser.form.submit());
  $("new-order").addEventListener("click", openOrder);
  $("order-form").addEventListener("submit", saveOrder);
  $("o-kind").addEventListener("change", setKind);
  $("o-pickup").addEventListener("keydown", pickupKeys);
  $("o-pickup").addEventListener("input", () => {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 120);
  });
  $("o-pickup").addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  $("o-city").addEventListener("input", readBack);
  $("o-when").addEventListener("input", showWhen);
  $("customer-search").addEventListener("input", () => {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(search, 150);
  });
  $("customer-form").addEventListener("submit", saveCustomer);
  $("edit-customer").addEventListener("click", editCustomer);
  $("cust-merge-go").addEventListener("click", mergeCustomer);
  $("driver-form").addEventListener("submit", addDriver);
  if ($("streets-form")) $("streets-form").addEventListener("submit", importStreets);

  renderCard(null);
  refreshDesk();
  refreshOrders();
  listen();
})();
