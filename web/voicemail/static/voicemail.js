// Voicemail list: newest first, play in the browser, mark handled. Texts come from
// settings.strings (the message catalogue); times in the office's zone.
"use strict";
(function () {
  const settings = JSON.parse(document.getElementById("vm-settings").textContent);
  const S = settings.strings;
  const lang = document.documentElement.lang || "en";
  const fmt = new Intl.DateTimeFormat(lang === "fa" ? "fa-IR-u-ca-persian" : lang,
    { dateStyle: "short", timeStyle: "short", timeZone: settings.timezone });
  const fill = (t, p) => t.replace(/%\((\w+)\)s/g, (_, k) => String(p[k]));
  const num = (n) => (lang === "fa" ? String(n).replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]) : String(n));

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

  function showError(text) {
    const box = document.getElementById("vm-error");
    box.textContent = text;
    box.hidden = !text;
  }

  async function markHandled(id) {
    const url = settings.handledUrl.replace("/0/", "/" + id + "/");
    const response = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: "{}" });
    if (!response.ok) throw new Error(S.failed);
    await load();
  }

  function row(m) {
    const handled = m.heard_by
      ? el("span", { text: fill(S.handled_by, { who: m.heard_by }) })
      : el("button", { type: "button", class: "mark-handled", text: S.mark,
          onclick: () => markHandled(m.id).catch((e) => showError(e.message)) });
    const reason = S["reason_" + m.reason] ? " · " + S["reason_" + m.reason] : "";
    return el("tr", { "data-id": String(m.id), class: m.heard_by ? "handled" : "unread" }, [
      el("td", { text: fmt.format(new Date(m.at)) }),
      el("td", { text: m.caller, dir: "ltr" }),
      el("td", { text: (m.queue || "") + reason }),
      el("td", { text: fill(S.seconds, { n: num(Math.round(m.duration_s)) }) }),
      el("td", {}, [el("audio", { controls: "", preload: "none", src: m.url })]),
      el("td", {}, [handled])]);
  }

  async function load() {
    const response = await fetch(settings.listUrl + "?limit=200", { credentials: "same-origin" });
    if (!response.ok) throw new Error(S.failed);
    const messages = await response.json();
    const unread = Number(response.headers.get("X-Unread") || 0);
    document.getElementById("vm-unread").textContent = fill(S.unread, { n: num(unread) });
    const body = document.getElementById("vm-rows");
    body.replaceChildren(...(messages.length ? messages.map(row)
      : [el("tr", {}, [el("td", { colspan: "6", text: S.none })])]));
  }

  load().catch((e) => showError(e.message));
  // a new message shows at once (the core's VoicemailLeft event); the timer catches
  // anything missed while the stream was down
  const events = new EventSource(settings.eventsUrl);
  events.addEventListener("VoicemailLeft", () => load().catch(() => {}));
  window.addEventListener("pagehide", () => events.close());
  setInterval(() => load().catch(() => {}), 15000);
})();
