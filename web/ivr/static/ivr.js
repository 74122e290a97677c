// The IVR editor: loads /api/ivr, edits it in the page, saves with PUT. No UI words
// here: every text comes from settings.strings (the message catalogue).
"use strict";
(function () {
  const settings = JSON.parse(document.getElementById("ivr-settings").textContent);
  const S = settings.strings;
  const DAYS = ["sat", "sun", "mon", "tue", "wed", "thu", "fri"];
  const KINDS = ["queue", "menu", "play", "voicemail", "hangup", "dispatcher", "language"]
    .concat(settings.selfService ? ["self_order", "order_status"] : []);
  const NEEDS_ARG = { queue: true, menu: true, play: true, dispatcher: true, language: true };
  let tree = null;
  let prompts = [];
  let preview = null;

  const $ = (id) => document.getElementById(id);
  function fill(text, params) {
    return text.replace(/%\((\w+)\)s/g, (_, k) => (params[k] === undefined ? "" : String(params[k])));
  }
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  }
  function options(select, values, chosen, label) {
    select.replaceChildren(...values.map((v) => {
      const o = el("option", { value: v, text: label ? label(v) : v });
      if (v === chosen) o.selected = true;
      return o;
    }));
    return select;
  }
  function showError(text) {
    const box = $("ivr-error");
    box.textContent = text;
    box.hidden = !text;
  }
  function status(text) { $("ivr-status").textContent = text; }

  async function call(url, opts) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, opts || {}));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const err = new Error((body && body.message) || S.failed);
      err.body = body;
      throw err;
    }
    return body;
  }
  function json(method, data) {
    return { method: method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) };
  }

  // -- actions ----------------------------------------------------------------------
  function actionEditor(value, onChange) {
    const [kind, ...rest] = (value || "hangup").split(":");
    const arg = rest.join(":");
    const kindSel = options(el("select", { class: "action-kind" }), KINDS, kind, (k) => S["act_" + k]);
    const argBox = el("span", { class: "action-arg" });
    function argInput(k, current) {
      let input;
      if (k === "queue") input = options(el("select"), settings.queues, current);
      else if (k === "dispatcher") input = options(el("select"), settings.dispatchers, current);
      else if (k === "menu") input = options(el("select"), tree.menus.map((m) => m.id), current);
      else if (k === "language") input = options(el("select"), ["fa", "ru", "en"], current);
      else if (k === "play") input = options(el("select"), prompts.map((p) => p.key), current);
      else return null;
      input.addEventListener("change", emit);
      return input;
    }
    function emit() {
      const k = kindSel.value;
      const input = argBox.firstChild;
      onChange(NEEDS_ARG[k] && input ? k + ":" + input.value : k);
    }
    function render(current) {
      const input = argInput(kindSel.value, current);
      argBox.replaceChildren(...(input ? [input] : []));
    }
    kindSel.addEventListener("change", () => { render(""); emit(); });
    render(arg);
    return el("span", { class: "action" }, [kindSel, argBox]);
  }

  // -- menus ------------------------------------------------------------------------
  function menuCard(menu) {
    const card = el("div", { class: "menu-card", "data-node": menu.id });
    const id = el("input", { type: "text", value: menu.id, class: "menu-id", dir: "ltr" });
    id.addEventListener("change", () => {
      const old = menu.id;
      menu.id = id.value.trim();
      tree.menus.forEach((m) => {
        Object.keys(m.options).forEach((d) => { if (m.options[d] === "menu:" + old) m.options[d] = "menu:" + menu.id; });
        if (m.default === "menu:" + old) m.default = "menu:" + menu.id;
      });
      if (tree.root === old) tree.root = menu.id;
      render();
    });
    const prompt = options(el("select", { class: "menu-prompt" }), prompts.map((p) => p.key), menu.prompt);
    prompt.addEventListener("change", () => { menu.prompt = prompt.value; });
    const timeout = el("input", { type: "number", min: "1", max: "60", step: "1", value: menu.timeout_s });
    timeout.addEventListener("change", () => { menu.timeout_s = Number(timeout.value); });
    const retries = el("input", { type: "number", min: "0", max: "10", step: "1", value: menu.retries });
    retries.addEventListener("change", () => { menu.retries = Number(retries.value); });
    const rows = el("tbody");
    Object.keys(menu.options).sort().forEach((digit) => {
      const key = el("input", { type: "text", value: digit, size: "2", maxlength: "1", class: "option-key" });
      key.addEventListener("change", () => {
        const action = menu.options[digit];
        delete menu.options[digit];
        menu.options[key.value.trim()] = action;
        render();
      });
      const remove = el("button", { type: "button", text: S.remove, onclick: () => { delete menu.options[digit]; render(); } });
      rows.appendChild(el("tr", { "data-key": digit }, [el("td", {}, [key]),
        el("td", {}, [actionEditor(menu.options[digit], (v) => { menu.options[digit] = v; })]),
        el("td", {}, [remove])]));
    });
    const addOption = el("button", { type: "button", class: "add-option", text: S.add_option, onclick: () => {
      const free = "1234567890*#".split("").find((d) => !(d in menu.options));
      if (free) { menu.options[free] = "hangup"; render(); }
    } });
    const removeMenu = el("button", { type: "button", class: "remove-menu", text: S.remove_menu, onclick: () => {
      tree.menus = tree.menus.filter((m) => m !== menu); render();
    } });
    card.append(
      el("h3", { text: S.menu + " " + menu.id }),
      el("label", { text: S.menu_id }), id,
      el("label", { text: S.prompt }), prompt,
      el("label", { text: S.timeout }), timeout,
      el("label", { text: S.retries }), retries,
      el("table", { class: "grid options" }, [el("thead", {}, [el("tr", {}, [
        el("th", { text: S.key }), el("th", { text: S.action }), el("th")])]), rows]),
      addOption,
      el("label", { text: S.default }),
      actionEditor(menu.default, (v) => { menu.default = v; }),
      el("div", { class: "menu-actions" }, [removeMenu]));
    return card;
  }

  // -- hours and holidays -------------------------------------------------------------
  function weeklyRow(slot) {
    const days = DAYS.map((d) => {
      const box = el("input", { type: "checkbox", value: d });
      box.checked = slot.days.includes(d);
      box.addEventListener("change", () => {
        slot.days = DAYS.filter((x) => (x === d ? box.checked : slot.days.includes(x)));
      });
      return el("label", { class: "day" }, [box, document.createTextNode(S[d])]);
    });
    const from = el("input", { type: "time", value: slot.from });
    from.addEventListener("change", () => { slot.from = from.value; });
    const to = el("input", { type: "time", value: slot.to === "24:00" ? "00:00" : slot.to });
    to.addEventListener("change", () => { slot.to = to.value; });
    const remove = el("button", { type: "button", text: S.remove, onclick: () => {
      tree.hours.weekly = tree.hours.weekly.filter((s) => s !== slot); render();
    } });
    return el("div", { class: "weekly-row" }, [el("span", { text: S.days }), ...days,
      el("span", { text: S.from }), from, el("span", { text: S.to }), to, remove]);
  }

  function renderHolidays() {
    const list = $("holidays");
    list.replaceChildren(...tree.holidayItems.map((item) => el("li", {}, [
      el("span", { text: item.shown, dir: "ltr" }),
      el("button", { type: "button", text: S.remove, onclick: () => {
        tree.holidayItems = tree.holidayItems.filter((x) => x !== item); renderHolidays();
      } })])));
  }

  // -- whole page ----------------------------------------------------------------------
  function render() {
    options($("greeting"), [""].concat(prompts.map((p) => p.key)), tree.greeting);
    options($("root"), tree.menus.map((m) => m.id), tree.root);
    $("menus").replaceChildren(...tree.menus.map(menuCard));
    $("weekly").replaceChildren(...tree.hours.weekly.map(weeklyRow));
    $("closed-action").value = tree.hours.closed_action;
    renderHolidays();
    $("night-text").textContent = (tree.night_mode ? S.night_on : S.night_off) +
      (tree.night_switch ? " " + S.switch_on : "");
    status(fill(S.version, { n: tree.version, who: tree.saved_by || S.from_toml }));
    const pending = $("ivr-pending");
    pending.hidden = !tree.pending_toml;
    if (tree.pending_toml) $("ivr-pending-text").textContent = fill(S.pending_toml, { at: tree.pending_toml.seen_at });
  }

  function documentToSave() {
    const g = tree.holidayItems.filter((x) => x.g).map((x) => x.g);
    const j = tree.holidayItems.filter((x) => !x.g).map((x) => x.j);
    return {
      greeting: $("greeting").value, root: $("root").value, menus: tree.menus,
      hours: { weekly: tree.hours.weekly, holidays: g, holidays_jalali: j,
               closed_action: $("closed-action").value },
      night_mode: tree.night_mode,
    };
  }

  function markNode(node) {
    document.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
    const target = Array.from(document.querySelectorAll("[data-node]"))
      .find((n) => n.dataset.node === node);
    if (target) { target.classList.add("invalid"); target.scrollIntoView({ block: "center" }); }
  }

  async function loadHistory() {
    const versions = await call(settings.historyUrl);
    const select = $("history");
    select.replaceChildren(...versions.map((v) => el("option", { value: String(v.version),
      text: fill(S.version, { n: v.version, who: v.saved_by || S.from_toml }) + " · " + (v.saved_at || "") })));
  }

  async function load() {
    loadHistory().catch(() => {});
    const [doc, list] = await Promise.all([call(settings.treeUrl), call(settings.promptsUrl)]);
    prompts = list;
    tree = doc;
    const shown = (doc.hours.holidays_jalali || []);
    tree.holidayItems = doc.hours.holidays.map((g, i) => ({ g: g, shown: settings.lang === "fa" ? (shown[i] || g) : g }));
    renderPrompts();
    render();
  }

  // Saved; in force now, later (core down), or refused by the core (its own check).
  function saved(result) {
    if (result.applied || !result.message) {
      status(fill(result.applied ? S.saved : S.saved_core_down, { n: result.version }));
      return;
    }
    status("");
    const why = result.node ? fill(S.error_at, { message: result.message, node: result.node })
      : result.message;
    showError(fill(S.core_refused, { n: result.version, reason: why }));
    markNode(result.node);
  }

  async function save() {
    showError("");
    try {
      const result = await call(settings.treeUrl, json("PUT", documentToSave()));
      await load();
      saved(result);
    } catch (err) {
      const body = err.body || {};
      showError(body.node ? fill(S.error_at, { message: err.message, node: body.node }) : err.message);
      markNode(body.node);
    }
  }

  // -- prompts ----------------------------------------------------------------------------
  function renderPrompts() {
    const body = document.getElementById("prompt-rows");
    body.replaceChildren(...prompts.map((p) => el("tr", { "data-prompt": p.key }, [
      el("td", { text: p.key, dir: "ltr" }),
      ...["fa", "ru", "en"].map((lang) => {
        const info = p.languages[lang];
        if (!info) return el("td", { text: "—" });
        if (!info.made) return el("td", { text: S.not_made, title: info.text });
        const audio = el("audio", { controls: "", preload: "none", src: info.url });
        return el("td", { title: info.text }, [audio]);
      })])));
  }

  function showPreview(result) {
    preview = result;
    $("preview").hidden = false;
    $("preview-text").textContent = S.preview_ready;
    $("preview-audio").src = result.url;
  }

  async function convertUpload(event) {
    event.preventDefault();
    showError("");
    const data = new FormData($("upload-form"));
    try { showPreview(await call(settings.uploadUrl, { method: "POST", body: data })); }
    catch (err) { showError(err.message); }
  }

  async function speak(event) {
    event.preventDefault();
    showError("");
    try {
      showPreview(await call(settings.previewUrl, json("POST", { text: $("prompt-text").value, language: $("prompt-lang").value })));
    } catch (err) { showError(err.message); }
  }

  async function savePrompt() {
    showError("");
    try {
      await call(settings.savePromptUrl, json("POST", { token: preview && preview.token, key: $("prompt-key").value.trim(), language: $("prompt-lang").value }));
      $("preview-text").textContent = S.prompt_saved;
      prompts = await call(settings.promptsUrl);
      renderPrompts();
      render();
    } catch (err) { showError(err.message); }
  }

  $("add-menu").textContent = S.add_menu;
  $("add-weekly").textContent = S.add_hours;
  $("add-holiday").textContent = S.add_holiday;
  $("add-menu").addEventListener("click", () => {
    let n = tree.menus.length + 1;
    while (tree.menus.some((m) => m.id === "menu" + n)) n += 1;
    tree.menus.push({ id: "menu" + n, prompt: tree.menus[0] ? tree.menus[0].prompt : "main_menu",
      options: {}, timeout_s: 5, retries: 2, default: "hangup" });
    render();
  });
  $("add-weekly").addEventListener("click", () => {
    tree.hours.weekly.push({ days: ["sat", "sun", "mon", "tue", "wed", "thu"], from: "08:00", to: "20:00" });
    render();
  });
  $("add-holiday").addEventListener("click", () => {
    const value = $("holiday-input").value.trim();
    if (!value) return;
    tree.holidayItems.push(settings.lang === "fa" && !/^\d{4}-\d{2}-\d{2}$/.test(value)
      ? { j: value, shown: value } : { g: value, shown: value });
    $("holiday-input").value = "";
    renderHolidays();
  });
  $("greeting").addEventListener("change", () => { tree.greeting = $("greeting").value; });
  $("root").addEventListener("change", () => { tree.root = $("root").value; });
  $("save-tree").addEventListener("click", save);
  $("night-toggle").addEventListener("click", async () => {
    showError("");
    try { await call(settings.nightUrl, json("POST", { on: !tree.night_mode })); await load(); }
    catch (err) { showError(err.message); }
  });
  const take = $("take-toml");
  if (take) take.addEventListener("click", async () => {
    try { await call(settings.takeTomlUrl, json("POST", {})); await load(); }
    catch (err) { showError(err.message); }
  });
  $("restore").addEventListener("click", async () => {
    showError("");
    try {
      const result = await call(settings.restoreUrl, json("POST", { version: Number($("history").value) }));
      await load();
      saved(result);
    } catch (err) {
      const body = err.body || {};
      showError(body.node ? fill(S.error_at, { message: err.message, node: body.node }) : err.message);
    }
  });
  $("upload-form").addEventListener("submit", convertUpload);
  $("tts-form").addEventListener("submit", speak);
  $("save-prompt").addEventListener("click", savePrompt);
  load().catch((err) => showError(err.message));
})();
