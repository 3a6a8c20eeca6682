// The Message page: one message's facts, its status history and callback
// attempts on a timeline over virtual time, the retries still to come, and
// a "redeliver" button per attempt. Reads GET /_mock/messages/{id} and
// GET /_mock/callbacks?message=; follows the event stream.
"use strict";

const id = new URLSearchParams(location.search).get("id") ?? "";
let events = null;
const TICKS = [["+10 s", 10e3], ["+1 min", 60e3], ["+10 min", 600e3], ["+1 h", 3600e3], ["+1 day", 86400e3]];

function svg(tag, attributes, ...children) {
  const element = document.createElementNS($("#timeline").namespaceURI, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

function since(start, iso) {
  const seconds = Math.round((Date.parse(iso) - start) / 1000);
  if (seconds < 120) return `+${seconds} s`;
  if (seconds < 7200) return `+${Math.round(seconds / 60)} min`;
  return `+${(seconds / 3600).toFixed(1)} h`;
}

/**
 * The picture: statuses on the upper lane, callback attempts on the lower
 * (green delivered, red failed, hollow still due), over virtual time from
 * the message's creation to the last thing that happened or is due. The
 * scale is a square root, so seconds apart near the start stay apart when
 * a retry comes hours later.
 */
function drawTimeline(message, attempts) {
  const start = Date.parse(message.created);
  const times = [
    ...message.statuses.map((s) => s.at), ...attempts.map((a) => a.virtualTime),
    ...message.pendingCallbacks.map((p) => p.due), message.now,
  ].map(Date.parse);
  const span = Math.max(1000, Math.max(...times) - start);
  const offset = (ms) => 60 + 700 * Math.sqrt(Math.max(0, ms) / span);
  const x = (iso) => offset(Date.parse(iso) - start);
  const picture = $("#timeline");
  picture.replaceChildren(
    svg("line", { x1: 60, x2: 760, y1: 50, y2: 50, class: "lane" }),
    svg("line", { x1: 60, x2: 760, y1: 110, y2: 110, class: "lane" }),
    svg("text", { x: 0, y: 54, class: "lane-name" }, "status"),
    svg("text", { x: 0, y: 114, class: "lane-name" }, "DR"),
    svg("line", { x1: x(message.now), x2: x(message.now), y1: 20, y2: 130, class: "now" }),
    svg("text", { x: x(message.now), y: 145, class: "axis", "text-anchor": "middle" }, `now ${since(start, message.now)}`),
  );
  // A few marks of elapsed time, where they do not crowd "now".
  for (const [label, ms] of TICKS) {
    if (ms >= span || Math.abs(offset(ms) - x(message.now)) < 60) continue;
    picture.append(svg("line", { x1: offset(ms), x2: offset(ms), y1: 120, y2: 126, class: "lane" }),
      svg("text", { x: offset(ms), y: 138, class: "axis", "text-anchor": "middle" }, label));
  }
  message.statuses.forEach((status, index) => {
    const at = x(status.at);
    const kind = statusClass(status.code).replace("status", "").trim() || "info";
    picture.append(svg("g", { class: `mark ${kind}` },
      svg("title", {}, `${status.code} ${status.name} at ${virtualTime(status.at)}`),
      svg("circle", { cx: at, cy: 50, r: 6 }),
      svg("text", { x: at, y: index % 2 === 0 ? 32 : 76, "text-anchor": "middle", class: "label" },
        String(status.code))));
  });
  for (const record of attempts) {
    const at = x(record.virtualTime);
    const kind = record.outcome === "delivered" ? "final-ok" : "final-bad";
    picture.append(svg("g", { class: `mark attempt ${kind}` },
      svg("title", {}, `attempt ${record.attempt} (${record.code}) ${record.outcome} at ${virtualTime(record.virtualTime)}`),
      svg("rect", { x: at - 5, y: 105, width: 10, height: 10, transform: `rotate(45 ${at} 110)` })));
  }
  for (const pending of message.pendingCallbacks) {
    const at = x(pending.due);
    picture.append(svg("g", { class: "mark attempt due" },
      svg("title", {}, `next attempt of the ${pending.code} report due at ${virtualTime(pending.due)}`),
      svg("rect", { x: at - 5, y: 105, width: 10, height: 10, transform: `rotate(45 ${at} 110)` })));
  }
  const delivered = attempts.filter((a) => a.outcome === "delivered").length;
  $("#timeline-caption").textContent =
    `${message.statuses.length} statuses and ${attempts.length} callback attempts (${delivered} delivered) ` +
    `over ${since(start, new Date(start + span).toISOString()).slice(1)} of virtual time` +
    (message.pendingCallbacks.length ? `; ${message.pendingCallbacks.length} still due` : "") + ".";
}

function showFacts(message) {
  $("#text").textContent = message.text;
  const money = message.currency ? `${message.price} ${message.currency}` : String(message.price);
  const facts = [
    ["From", message.sender], ["To", message.recipient],
    ["Account", `${message.account} (${message.gateway === "viamobile" ? "Viamobile" : "iP.1"})`],
    ["Direction", message.direction === "mo" ? "incoming" : "sent"],
    ["Encoding", message.encoding.toUpperCase()], ["Parts", String(message.segments)],
    ["Price", money], ["Status", `${message.status} ${statusName(message.status)}`],
    ["Created", virtualTime(message.created)], ["Message id", message.messageId],
    ["Batch id", message.batchId], ["Reference", message.reference],
    ["Reports to", message.deliveryReportUrl],
  ];
  $("#facts").replaceChildren(...facts.filter(([, value]) => value)
    .flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
  $("#now").textContent = virtualTime(message.now);
}

function attemptRow(record) {
  const receiver = record.status
    ? `${record.status}${record.responseExcerpt ? ` ${record.responseExcerpt}` : ""}`
    : (record.error ?? "—");
  const payload = el("details", {}, el("summary", {}, "show"),
    el("pre", {}, JSON.stringify(record.payload, null, 2)));
  const redeliver = record.attempt === 0 ? "" : button("Redeliver", async () => {
    const again = await api("POST", `/_mock/callbacks/${record.id}/redeliver`);
    note(`Redelivered: the receiver answered ${again.status ?? again.error}.`);
    await load();
  });
  const outcome = record.outcome + (record.scripted ? ` (scripted: ${record.scripted})` : "")
    + (record.redelivery ? " · by hand" : "");
  const tr = el("tr", {},
    el("td", { className: "time" }, virtualTime(record.virtualTime)),
    el("td", {}, record.attempt === 0 ? "dropped" : String(record.attempt)),
    el("td", { className: statusClass(record.code) }, statusLabel(record.code)),
    el("td", { className: "text" }, record.url),
    el("td", { className: record.outcome === "delivered" ? "status final-ok" : "status final-bad" }, outcome),
    el("td", { className: "text" }, receiver),
    el("td", {}, `${record.latencyMs.toFixed(1)} ms`),
    el("td", {}, payload),
    el("td", {}, redeliver),
  );
  tr.dataset.outcome = record.outcome;
  return tr;
}

async function load() {
  let message;
  try {
    message = await api("GET", `/_mock/messages/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error.status !== 404) throw error;
    $("#message").hidden = true;
    $("#missing").hidden = false;
    return;
  }
  const attempts = await api("GET", `/_mock/callbacks?message=${encodeURIComponent(id)}`);
  $("#missing").hidden = true;
  $("#message").hidden = false;
  showFacts(message);
  drawTimeline(message, attempts);
  $("#statuses tbody").replaceChildren(...message.statuses.map((s) => el("tr", {},
    el("td", { className: "time" }, virtualTime(s.at)),
    el("td", { className: statusClass(s.code) }, statusLabel(s.code)))));
  $("#pending").replaceChildren(...message.pendingCallbacks.map((p) => el("li", {},
    `Next attempt of the ${p.code} ${statusName(p.code)} report (attempt ${p.attempts + 1}) `
    + `${p.inFlight ? "under way since" : "due at"} ${virtualTime(p.due)} to ${p.url}`)));
  $("#attempts tbody").replaceChildren(...attempts.map(attemptRow));
  $("#no-attempts").hidden = attempts.length > 0;
  if (!events) {
    $("#advance").replaceChildren(...clockButtons(message.account));
    const reload = throttled(() => attempt(load), 200);
    const account = encodeURIComponent(message.account);
    events = listen(`account=${account}&type=status,callback,clock,reset&maxPerSecond=20`, {
      status: reload, callback: reload, clock: reload, reset: reload, missed: reload,
    });
  }
}

attempt(load);
