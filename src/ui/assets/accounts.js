// The Accounts page: each account with its credentials, money and clock,
// and buttons that move its clock, switch its mode and reset it — calls
// of the control API, followed live through the event stream.
"use strict";

function row(account) {
  const credentials = account.gateway === "ip1"
    ? `key ${account.apiKeys.join(", ")}`
    : `${account.username} / ${account.password}`;
  const money = account.gateway === "ip1"
    ? `${account.balance} ${account.currency}`
    : `${account.credit} EUR, ${account.sentToday}/${account.dailyLimit} today`;
  const clock = account.clock;
  const other = clock.mode === "manual" ? "realtime" : "manual";
  const actions = [
    ...clockButtons(account.id),
    button(other, () => api("PUT", "/_mock/clock", { account: account.id, mode: other })),
    button("reset", () => api("DELETE", `/_mock/reset?account=${encodeURIComponent(account.id)}`)),
  ];
  const tr = el("tr", {},
    el("td", {}, account.id),
    el("td", {}, account.gateway === "ip1" ? "iP.1" : "Viamobile"),
    el("td", {}, credentials),
    el("td", {}, money),
    el("td", {},
      el("span", { className: "clock-now" }, virtualTime(clock.now)),
      el("small", { className: "clock-mode" }, ` ${clock.mode}${clock.mode === "realtime" ? ` ×${clock.speed}` : ""}`)),
    el("td", {}, actions),
  );
  tr.dataset.account = account.id;
  return tr;
}

async function load() {
  const accounts = await api("GET", "/_mock/accounts");
  $("#accounts tbody").replaceChildren(...accounts.map(row));
}

const reload = throttled(() => attempt(load), 200);
attempt(load).then(() => listen("type=clock,reset,message&maxPerSecond=20", {
  clock: reload, reset: reload, message: reload, missed: reload,
}));
