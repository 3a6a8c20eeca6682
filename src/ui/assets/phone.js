// The Phone page: every message to and from one number as a thread, the
// latest one-time code large, and a reply box that injects an incoming
// SMS through POST /_mock/inbound (so STOP can be tried by hand).
"use strict";

const key = (phone) => (phone ?? "").trim().replace(/^\+/, "");
const seen = new Set();
let phone = "";
let lastAccount = null;
let events = null;

function bubble(message) {
  const when = new Date(message.created ?? message.time).toLocaleTimeString();
  const meta = message.direction === "mo"
    ? `${when} · to ${message.recipient} (${message.account})`
    : `${when} · from ${message.sender} (${message.account})`;
  const li = el("li", { className: message.direction === "mo" ? "mo" : "mt" },
    el("span", {}, message.text), el("small", {}, meta));
  li.dataset.messageId = message.messageId;
  return li;
}

function add(message) {
  if (seen.has(message.messageId)) return;
  seen.add(message.messageId);
  $("#thread").append(bubble(message));
  if (message.direction !== "mo") {
    lastAccount = message.account;
    const code = (message.text ?? "").match(/\b\d{4,8}\b/);
    if (code) $("#code").textContent = code[0];
  }
}


async function open(number) {
  phone = key(number);
  history.replaceState(null, "", `?msisdn=${encodeURIComponent(phone)}`);
  seen.clear();
  $("#thread").replaceChildren();
  $("#code").textContent = "—";
  $("#phone").hidden = false;
  await loadThread();
  if (events) events.close();
  const query = `type=message,incoming&phone=${encodeURIComponent(phone)}&maxPerSecond=50`;
  events = listen(query, { message: add, incoming: add, missed: throttled(() => attempt(loadThread)) });
}

/** Adds what the thread does not show yet, oldest first. */
async function loadThread() {
  const all = await api("GET", `/_mock/messages?phone=${encodeURIComponent(phone)}&limit=200`);
  all.reverse().forEach(add);
}

$("#pick").addEventListener("submit", (e) => {
  e.preventDefault();
  attempt(() => open(new FormData(e.target).get("msisdn")));
});

$("#reply").addEventListener("submit", (e) => {
  e.preventDefault();
  attempt(async () => {
    if (!lastAccount) {
      note("No account has sent to this phone yet: there is no one to reply to.", true);
      return;
    }
    const body = new FormData(e.target).get("body");
    const answer = await api("POST", "/_mock/inbound", { account: lastAccount, sender: phone, body });
    e.target.reset();
    note(answer.blacklisted ? `${phone} is now on ${lastAccount}'s blacklist.` : "");
  });
});

const initial = new URLSearchParams(location.search).get("msisdn");
if (initial) {
  $("#pick").elements.msisdn.value = initial;
  attempt(() => open(initial));
}
