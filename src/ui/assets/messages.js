// The Messages page: both gateways' messages, newest first, paged and
// filtered on the server (GET /_mock/messages). New messages and status
// changes arrive from the event stream without a reload.
"use strict";

const PAGE = 50;
const rows = new Map(); // messageId -> <tr>
let offset = 0;
let total = 0;
let waiting = 0; // new messages above the page shown
let filters = {};

function row(message) {
  const link = el("a", { href: `/_mock/ui/message?id=${message.messageId}` }, message.text);
  const tr = el("tr", {},
    el("td", { className: "time" }, new Date(message.created ?? message.time).toLocaleTimeString()),
    el("td", {}, message.gateway === "viamobile" ? "Viamobile" : "iP.1"),
    el("td", {}, message.account),
    el("td", {}, message.sender),
    el("td", {}, message.recipient),
    el("td", { className: "text" }, link),
    el("td", { className: statusClass(message.status) }, statusLabel(message.status)),
  );
  tr.dataset.messageId = message.messageId;
  return tr;
}

/** Whether a message from the event stream belongs in the filtered list. */
function matches(message) {
  const key = (phone) => (phone ?? "").replace(/^\+/, "");
  return (!filters.gateway || message.gateway === filters.gateway)
    && (!filters.account || message.account === filters.account)
    && (!filters.phone || [message.recipient, message.sender].some((p) => key(p) === key(filters.phone)))
    && (!filters.text || (message.text ?? "").includes(filters.text))
    && (!filters.status || String(message.status) === filters.status);
}

function showPager() {
  const shown = rows.size;
  $("#range").textContent = total === 0
    ? ""
    : `${offset + 1}–${offset + shown} of ${total.toLocaleString("en")}`;
  $("#newer").disabled = offset === 0;
  $("#older").disabled = offset + shown >= total;
  $("#fresh").hidden = waiting === 0;
  $("#fresh").textContent = `${waiting} new — show the newest`;
  const empty = $("#empty");
  empty.hidden = shown > 0;
  empty.textContent = Object.values(filters).some((value) => value)
    ? "No message matches these filters yet; one that does appears here at once."
    : "No messages yet. Send one from your app; it appears here at once.";
}

async function load() {
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const [name, value] of Object.entries(filters)) {
    if (value) query.set(name, value);
  }
  const page = await apiPage(`/_mock/messages?${query}`);
  total = page.total;
  waiting = 0;
  rows.clear();
  const body = $("#messages tbody");
  body.replaceChildren(...page.items.map((message) => {
    const tr = row(message);
    rows.set(message.messageId, tr);
    return tr;
  }));
  showPager();
}

function added(message) {
  if (!matches(message) || rows.has(message.messageId)) return;
  total += 1;
  if (offset > 0) {
    waiting += 1;
  } else {
    const tr = row(message);
    tr.classList.add("new");
    rows.set(message.messageId, tr);
    const body = $("#messages tbody");
    body.prepend(tr);
    if (rows.size > PAGE) {
      const last = body.lastElementChild;
      rows.delete(last.dataset.messageId);
      last.remove();
    }
  }
  showPager();
}

function changed(change) {
  const tr = rows.get(change.messageId);
  if (!tr) return;
  const status = tr.lastElementChild;
  status.replaceChildren(...statusLabel(change.code));
  status.className = statusClass(change.code);
}

$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  filters = Object.fromEntries(new FormData(e.target).entries());
  offset = 0;
  attempt(load);
});
$("#newer").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); attempt(load); });
$("#older").addEventListener("click", () => { offset += PAGE; attempt(load); });
$("#fresh").addEventListener("click", () => { offset = 0; attempt(load); });

const reload = throttled(() => attempt(load));
attempt(load).then(() => listen("type=message,incoming,status,reset&maxPerSecond=50", {
  message: added,
  incoming: added,
  status: changed,
  reset: reload,
  missed: reload,
}));
