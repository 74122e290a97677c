// "Call back" buttons (call log, messages): POST /api/callbacks, then say what happens —
// the dispatcher's phone rings first, the customer is called when it is answered.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("callback-settings").textContent);
  const T = cfg.strings;
  const status = document.getElementById("callback-status");
  const picker = document.getElementById("callback-as");

  // "%(name)s" placeholders of a catalogue string (the same form as the Python side)
  function fill(text, params) {
    return text.replace(/%\((\w+)\)s/g, (all, name) => (name in params ? params[name] : all));
  }

  function show(message, failed) {
    status.hidden = !message;
    status.textContent = message;
    status.classList.toggle("failed", !!failed);
    status.setAttribute("role", failed ? "alert" : "status");
  }

  async function callBack(button) {
    const dispatcher = cfg.as || (picker ? picker.value : "");
    if (!dispatcher) {
      show("⚠ " + T.callback_pick, true);
      if (picker) picker.focus();
      return;
    }
    const body = {number: button.dataset.number, dispatcher: dispatcher};
    if (button.dataset.line) body.line = button.dataset.line;
    button.disabled = true;
    let response;
    try {
      response = await fetch(cfg.url, {method: "POST", credentials: "same-origin", cache: "no-store",
                                       headers: {"Content-Type": "application/json",
                                                 Accept: "application/json"},
                                       body: JSON.stringify(body)});
    } catch (err) {
      show("⚠ " + T.callback_failed + ": " + err.message, true);
      button.disabled = false;
      return;
    }
    if (response.ok) {
      // isolates keep a Latin name and a number in order inside Persian text
      show("☎ " + fill(T.callback_started, {dispatcher: "\u2068" + dispatcher + "\u2069",
                                            number: "\u2066" + button.dataset.shown + "\u2069"}),
           false);
    } else {
      let message = response.statusText || String(response.status);
      try { message = (await response.json()).message || message; } catch (err) { /* not JSON */ }
      show("⚠ " + T.callback_failed + ": " + message, true);
    }
    // One click, one call: the button is usable again after a moment, not at once.
    setTimeout(() => { button.disabled = false; }, response.ok ? 5000 : 0);
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest(".callback-btn");
    if (button) callBack(button);
  });
})();
