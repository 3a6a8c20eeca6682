// The Accounts page: each account with its credentials, money and clock,
// and buttons that move its clock, switch its mode and reset it — calls
// of the control API, followed live through the event stream.
"use strict";

const $ = (selector) => document.querySelector(selector);
const STEPS = [["+1 min", 60], ["+10 min", 600], ["+1 h", 3600], ["+1 day", 86400]];

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
}

function cell(content) {
  const td = document.createElement("td");
  if (typeof content === "string") td.textContent = content;
  else td.append(...content);
  return td;
}

function button(label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await action(); } finally { b.disabled = false; }
  });
  return b;
}

function row(account) {
  const tr = document.createElement("tr");
  tr.dataset.account = account.id;
  const credentials = account.gateway === "ip1"
    ? `key ${account.apiKeys.join(", ")}`
    : `${account.username} / ${account.password}`;
  const money = account.gateway === "ip1"
    ? `${account.balance} ${account.currency}`
    : `${account.credit} EUR, ${account.sentToday}/${account.dailyLimit} today`;
  const clock = account.clock;
  const now = document.createElement("span");
  now.className = "clock-now";
  now.textContent = new Date(clock.now).toISOString().replace("T", " ").slice(0, 19);
  const mode = document.createElement("small");
  mode.className = "clock-mode";
  mode.textContent = ` ${clock.mode}${clock.mode === "realtime" ? ` ×${clock.speed}` : ""}`;
  const other = clock.mode === "manual" ? "realtime" : "manual";
  const actions = [
    ...STEPS.map(([label, seconds]) => button(label, () =>
      call("POST", "/_mock/clock/advance", { account: account.id, seconds }))),
    button(other, () => call("PUT", "/_mock/clock", { account: account.id, mode: other })),
    button("reset", () => call("DELETE", `/_mock/reset?account=${encodeURIComponent(account.id)}`)),
  ];
  tr.append(
    cell(account.id), cell(account.gateway === "ip1" ? "iP.1" : "Viamobile"),
    cell(credentials), cell(money), cell([now, mode]), cell(actions),
  );
  return tr;
}

async function load() {
  const response = await fetch("/_mock/accounts");
  const accounts = response.ok ? await response.json() : [];
  $("#accounts tbody").replaceChildren(...accounts.map(row));
}

function listen() {
  const live = $("#live");
  const events = new EventSource("/_mock/events?type=clock,reset,message");
  events.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  events.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  for (const kind of ["clock", "reset", "message", "missed"]) {
    events.addEventListener(kind, () => load());
  }
}

load().then(listen);
