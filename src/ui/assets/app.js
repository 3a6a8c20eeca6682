// The Messages page: a client of the documented control API. The list
// comes from GET /_mock/messages; new messages and status changes arrive
// from the event stream, GET /_mock/events, without a reload.
"use strict";

const PAGE = 50;
const rows = new Map(); // messageId -> <tr>
let limit = PAGE;
let filters = {};

const $ = (selector) => document.querySelector(selector);

function statusClass(code) {
  if (code === 201) return "status final-ok";
  if (code >= 202) return "status final-bad";
  return "status";
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function row(message) {
  const tr = document.createElement("tr");
  tr.dataset.messageId = message.messageId;
  tr.append(
    cell(new Date(message.created ?? message.time).toLocaleTimeString(), "time"),
    cell(message.gateway === "viamobile" ? "Viamobile" : "iP.1"),
    cell(message.account),
    cell(message.sender),
    cell(message.recipient),
    cell(message.text, "text"),
    cell(String(message.status), statusClass(message.status)),
  );
  return tr;
}

function matches(message) {
  const key = (phone) => (phone ?? "").replace(/^\+/, "");
  return (!filters.gateway || message.gateway === filters.gateway)
    && (!filters.account || message.account === filters.account)
    && (!filters.recipient || key(message.recipient) === key(filters.recipient))
    && (!filters.text || (message.text ?? "").includes(filters.text))
    && (!filters.status || String(message.status) === filters.status);
}

function showEmpty() {
  const empty = $("#empty");
  empty.hidden = rows.size > 0;
  const filtered = Object.values(filters).some((value) => value);
  empty.textContent = filtered
    ? "No message matches these filters yet; one that does appears here at once."
    : "No messages yet. Send one from your app; it appears here at once.";
}

async function load() {
  const query = new URLSearchParams({ limit: String(limit) });
  for (const [name, value] of Object.entries(filters)) {
    if (value && name !== "gateway") query.set(name, value);
  }
  const response = await fetch(`/_mock/messages?${query}`);
  const messages = response.ok ? await response.json() : [];
  const body = $("#messages tbody");
  body.replaceChildren();
  rows.clear();
  for (const message of messages.filter(matches)) {
    const tr = row(message);
    rows.set(message.messageId, tr);
    body.append(tr);
  }
  $("#more").hidden = messages.length < limit;
  showEmpty();
}

function listen() {
  const live = $("#live");
  const events = new EventSource("/_mock/events?type=message,incoming,status,reset");
  events.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  events.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  const added = (e) => {
    const message = JSON.parse(e.data);
    if (!matches(message) || rows.has(message.messageId)) return;
    const tr = row(message);
    tr.classList.add("new");
    rows.set(message.messageId, tr);
    $("#messages tbody").prepend(tr);
    showEmpty();
  };
  events.addEventListener("message", added);
  events.addEventListener("incoming", added);
  events.addEventListener("status", (e) => {
    const change = JSON.parse(e.data);
    const tr = rows.get(change.messageId);
    if (!tr) return;
    const status = tr.lastElementChild;
    status.textContent = String(change.code);
    status.className = statusClass(change.code);
  });
  events.addEventListener("reset", () => load());
  events.addEventListener("missed", () => load());
}

$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  filters = Object.fromEntries(new FormData(e.target).entries());
  limit = PAGE;
  load();
});
$("#more").addEventListener("click", () => { limit += PAGE; load(); });

load().then(listen);
