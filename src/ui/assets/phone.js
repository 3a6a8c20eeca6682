// The Phone page: every message to and from one number as a thread, the
// latest one-time code large, and a reply box that injects an incoming
// SMS through POST /_mock/inbound (so STOP can be tried by hand).
"use strict";

const $ = (selector) => document.querySelector(selector);
const key = (phone) => (phone ?? "").trim().replace(/^\+/, "");
const seen = new Set();
let phone = "";
let lastAccount = null;
let events = null;

function bubble(message) {
  const li = document.createElement("li");
  li.className = message.direction === "mo" ? "mo" : "mt";
  li.dataset.messageId = message.messageId;
  const text = document.createElement("span");
  text.textContent = message.text;
  const meta = document.createElement("small");
  const when = new Date(message.created ?? message.time).toLocaleTimeString();
  meta.textContent = message.direction === "mo"
    ? `${when} · to ${message.recipient} (${message.account})`
    : `${when} · from ${message.sender} (${message.account})`;
  li.append(text, meta);
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

async function messages(filter) {
  const response = await fetch(`/_mock/messages?${filter}=${encodeURIComponent(phone)}&limit=200`);
  return response.ok ? response.json() : [];
}

async function open(number) {
  phone = key(number);
  history.replaceState(null, "", `?msisdn=${encodeURIComponent(phone)}`);
  seen.clear();
  $("#thread").replaceChildren();
  $("#code").textContent = "—";
  $("#phone").hidden = false;
  const all = [...await messages("recipient"), ...await messages("sender")];
  all.sort((a, b) => a.created.localeCompare(b.created));
  all.forEach(add);
  if (events) events.close();
  events = new EventSource(`/_mock/events?type=message,incoming&phone=${encodeURIComponent(phone)}`);
  const live = $("#live");
  events.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  events.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  const arrived = (e) => add(JSON.parse(e.data));
  events.addEventListener("message", arrived);
  events.addEventListener("incoming", arrived);
}

$("#pick").addEventListener("submit", (e) => {
  e.preventDefault();
  open(new FormData(e.target).get("msisdn"));
});

$("#reply").addEventListener("submit", async (e) => {
  e.preventDefault();
  const note = $("#note");
  if (!lastAccount) {
    note.textContent = "No account has sent to this phone yet: there is no one to reply to.";
    return;
  }
  const body = new FormData(e.target).get("body");
  const response = await fetch("/_mock/inbound", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ account: lastAccount, sender: phone, body }),
  });
  const answer = await response.json();
  if (!response.ok) {
    note.textContent = answer.error ?? "The reply was refused.";
    return;
  }
  e.target.reset();
  note.textContent = answer.blacklisted ? `${phone} is now on ${lastAccount}'s blacklist.` : "";
});

const initial = new URLSearchParams(location.search).get("msisdn");
if (initial) {
  $("#pick").elements.msisdn.value = initial;
  open(initial);
}
