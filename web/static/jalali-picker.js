// A Jalali (Solar Hijri) date picker for inputs marked data-jalali on Persian pages:
// a month grid with Persian digits, Saturday first; picking a day writes YYYY/MM/DD in
// Persian digits (the server reads either digit form). Typing by hand keeps working.
// Words (month and day names) come from the page's JSON (#jalali-settings).
(function () {
  "use strict";
  const node = document.getElementById("jalali-settings");
  if (!node) return;
  const cfg = JSON.parse(node.textContent);
  const FA = "۰۱۲۳۴۵۶۷۸۹";
  const fa = (n) => String(n).replace(/[0-9]/g, (d) => FA[d]);
  const latin = (s) => String(s).replace(/[۰-۹]/g, (d) => FA.indexOf(d))
                                .replace(/[٠-٩]/g, (d) => "٠١٢٣٤٥٦٧٨٩".indexOf(d));

  // Borkowski's break table, the same algorithm as web/jalali.py.
  const BREAKS = [-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097,
                  2192, 2262, 2324, 2394, 2456, 3178];
  const div = (a, b) => Math.trunc(a / b);
  const mod = (a, b) => a - div(a, b) * b;

  function jalCal(jy) {
    const gy = jy + 621;
    let leapJ = -14, jp = BREAKS[0], jump = 0;
    for (let i = 1; i < BREAKS.length; i += 1) {
      const jm = BREAKS[i];
      jump = jm - jp;
      if (jy < jm) break;
      leapJ += div(jump, 33) * 8 + div(mod(jump, 33), 4);
      jp = jm;
    }
    let n = jy - jp;
    leapJ += div(n, 33) * 8 + div(mod(n, 33) + 3, 4);
    if (mod(jump, 33) === 4 && jump - n === 4) leapJ += 1;
    const leapG = div(gy, 4) - div((div(gy, 100) + 1) * 3, 4) - 150;
    if (jump - n < 6) n = n - jump + div(jump + 4, 33) * 33;
    let leap = mod(mod(n + 1, 33) - 1, 4);
    if (leap === -1) leap = 4;
    return {leap: leap, gy: gy, march: 20 + leapJ - leapG};
  }
  function g2d(gy, gm, gd) {
    let d = div((gy + div(gm - 8, 6) + 100100) * 1461, 4) + div(153 * mod(gm + 9, 12) + 2, 5)
      + gd - 34840408;
    return d - div(div(gy + 100100 + div(gm - 8, 6), 100) * 3, 4) + 752;
  }
  function d2g(jdn) {
    let j = 4 * jdn + 139361631;
    j += div(div(4 * jdn + 183187720, 146097) * 3, 4) * 4 - 3908;
    const i = div(mod(j, 1461), 4) * 5 + 308;
    const gm = mod(div(i, 153), 12) + 1;
    return [div(j, 1461) - 100100 + div(8 - gm, 6), gm, div(mod(i, 153), 5) + 1];
  }
  function j2d(jy, jm, jd) {
    const r = jalCal(jy);
    return g2d(r.gy, 3, r.march) + (jm - 1) * 31 - div(jm, 7) * (jm - 7) + jd - 1;
  }
  function monthLength(jy, jm) {
    if (jm <= 6) return 31;
    if (jm <= 11) return 30;
    return jalCal(jy).leap === 0 ? 30 : 29;
  }
  // 0 = Saturday ... 6 = Friday
  function weekday(jy, jm, jd) {
    const g = d2g(j2d(jy, jm, jd));
    return (new Date(Date.UTC(g[0], g[1] - 1, g[2])).getUTCDay() + 1) % 7;
  }
  const pad = (n) => (n < 10 ? "0" : "") + n;
  // for other scripts of the page (and the browser test that checks it against Python)
  window.callboxJalali = {
    toGregorian: (jy, jm, jd) => d2g(j2d(jy, jm, jd)), monthLength: monthLength,
  };

  let popup = null, input = null, shown = null;

  function parse(value) {
    const m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(latin(value.trim()));
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  }

  function button(text, cls, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.addEventListener("mousedown", (e) => e.preventDefault());  // keep the input focused
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    const [jy, jm] = shown;
    popup.replaceChildren();
    const head = document.createElement("div");
    head.className = "jp-head";
    const title = document.createElement("span");
    title.className = "jp-title";
    title.textContent = cfg.months[jm - 1] + " " + fa(jy);
    head.append(button("›", "jp-prev", () => step(-1)), title, button("‹", "jp-next", () => step(1)));
    head.firstChild.title = cfg.strings.previous;
    head.lastChild.title = cfg.strings.next;
    const grid = document.createElement("div");
    grid.className = "jp-grid";
    for (const name of cfg.weekdays) {
      const cell = document.createElement("span");
      cell.className = "jp-wd";
      cell.textContent = name;
      grid.append(cell);
    }
    for (let i = 0; i < weekday(jy, jm, 1); i += 1) grid.append(document.createElement("span"));
    const picked = parse(input.value);
    for (let d = 1; d <= monthLength(jy, jm); d += 1) {
      const day = button(fa(d), "jp-day", () => pick(jy, jm, d));
      day.dataset.day = jy + "/" + pad(jm) + "/" + pad(d);
      if (picked && picked[0] === jy && picked[1] === jm && picked[2] === d) day.classList.add("picked");
      if (cfg.today[0] === jy && cfg.today[1] === jm && cfg.today[2] === d) day.classList.add("today");
      grid.append(day);
    }
    popup.append(head, grid);
  }

  function step(delta) {
    let [jy, jm] = shown;
    jm += delta;
    if (jm < 1) { jm = 12; jy -= 1; }
    if (jm > 12) { jm = 1; jy += 1; }
    shown = [jy, jm];
    render();
  }

  function pick(jy, jm, jd) {
    input.value = fa(jy + "/" + pad(jm) + "/" + pad(jd));
    input.dispatchEvent(new Event("change", {bubbles: true}));
    close();
  }

  function open(target) {
    input = target;
    const picked = parse(input.value) || cfg.today;
    shown = [picked[0], picked[1]];
    if (!popup) {
      popup = document.createElement("div");
      popup.className = "jalali-picker";
      popup.setAttribute("role", "dialog");
      popup.dir = "rtl";
      document.body.append(popup);
    }
    const box = input.getBoundingClientRect();
    popup.style.top = (window.scrollY + box.bottom + 4) + "px";
    popup.style.left = (window.scrollX + Math.max(0, box.right - 260)) + "px";
    popup.hidden = false;
    render();
  }

  function close() {
    if (popup) popup.hidden = true;
  }

  for (const field of document.querySelectorAll("input[data-jalali]")) {
    field.addEventListener("focus", () => open(field));
    field.addEventListener("click", () => open(field));
    field.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
    field.addEventListener("blur", () => setTimeout(() => {
      const now = document.activeElement;  // focus may have come back meanwhile
      if (popup && !popup.contains(now) && !(now && now.matches("input[data-jalali]"))) close();
    }, 150));
  }
})();
