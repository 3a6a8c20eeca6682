// The Requests page: the request journal (GET /_mock/requests), newest
// first and live; a call opens in place with its headers and both bodies
// (GET /_mock/requests/{id}), credentials masked as the journal keeps them.
"use strict";

const PAGE = 100;
let limit = PAGE;
let filters = {};
const shown = new Set();

/** Whether a call from the event stream belongs in the filtered list. */
function matches(call) {
  const path = filters.path ?? "";
  const pathMatches = !path
    || (path.endsWith("*") ? call.path.startsWith(path.slice(0, -1)) : call.path === path);
  return pathMatches
    && (!filters.gateway || call.gateway === filters.gateway)
    && (!filters.account || call.account === filters.account)
    && (!filters.method || call.method.toUpperCase() === filters.method.toUpperCase())
    && (!filters.status || String(call.status) === filters.status);
}

function statusOf(call) {
  if (call.status === 0) return call.droppedStatus ? `dropped after ${call.droppedStatus}` : "dropped";
  return String(call.status);
}

function row(call) {
  const open = el("button", { type: "button", className: "link", "aria-expanded": "false" },
    call.path + (call.query ? `?${call.query}` : ""));
  const tr = el("tr", {},
    el("td", { className: "time" }, new Date(call.time).toLocaleTimeString()),
    el("td", {}, call.method),
    el("td", { className: "text" }, open),
    el("td", { className: call.status >= 400 || call.status === 0 ? "status final-bad" : "status" }, statusOf(call)),
    el("td", {}, call.account ?? (call.claimedAccount ? `(claimed ${call.claimedAccount})` : "—")),
    el("td", {}, `${call.latencyMs.toFixed(1)} ms`),
    el("td", {}, call.fault ?? ""),
  );
  tr.dataset.requestId = call.id;
  open.addEventListener("click", () => attempt(() => toggle(tr, open, call.id)));
  return tr;
}

function block(title, text) {
  return [el("h4", {}, title), el("pre", {}, text || "(empty)")];
}

function pretty(body) {
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}

async function toggle(tr, open, id) {
  const next = tr.nextElementSibling;
  if (next?.classList.contains("detail")) {
    next.remove();
    open.setAttribute("aria-expanded", "false");
    return;
  }
  const call = await api("GET", `/_mock/requests/${id}`);
  const headers = Object.entries(call.headers).map(([name, value]) => `${name}: ${value}`).join("\n");
  const detail = el("tr", { className: "detail" }, el("td", { colSpan: 7 },
    block("Request headers", headers),
    block("Request body", pretty(call.body)),
    block(`Response (${statusOf(call)})`, pretty(call.responseBody))));
  tr.after(detail);
  open.setAttribute("aria-expanded", "true");
}

async function load() {
  const query = new URLSearchParams({ limit: String(limit) });
  for (const [name, value] of Object.entries(filters)) {
    if (value) query.set(name, value);
  }
  const calls = await api("GET", `/_mock/requests?${query}`);
  shown.clear();
  calls.forEach((call) => shown.add(call.id));
  $("#requests tbody").replaceChildren(...calls.map(row));
  $("#more").hidden = calls.length < limit;
  $("#empty").hidden = calls.length > 0;
}

function arrived(call) {
  if (!matches(call) || shown.has(call.id)) return;
  shown.add(call.id);
  const tr = row(call);
  tr.classList.add("new");
  $("#requests tbody").prepend(tr);
  $("#empty").hidden = true;
}

$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  filters = Object.fromEntries(new FormData(e.target).entries());
  limit = PAGE;
  attempt(load);
});
$("#more").addEventListener("click", () => { limit += PAGE; attempt(load); });

const reload = throttled(() => attempt(load));
attempt(load).then(() => listen("type=request,reset&maxPerSecond=50", {
  request: arrived,
  reset: reload,
  missed: reload,
}));
