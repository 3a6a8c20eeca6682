// Shared by every page of the inbox: calls of the control API (asking once
// for the control token when the emulator has one), the live event stream
// with its indicator, status names, and small DOM helpers.
"use strict";

const $ = (selector) => document.querySelector(selector);
const TOKEN_COOKIE = "smsmock_control_token";
const CLOCK_STEPS = [["+1 min", 60], ["+10 min", 600], ["+1 h", 3600], ["+1 day", 86400]];
const STATUS_NAMES = {
  101: "Accepted", 102: "Queued", 103: "Funded", 104: "Refunded", 110: "Sending",
  111: "DeliveredToGateway", 112: "DeliveredToCarrier", 113: "DeliveredToGSM",
  114: "QueuedAtGateway", 201: "DeliveredToHandset", 202: "Expired", 203: "Canceled",
  402: "InsufficientFunds", 403: "SenderRejected", 405: "RecipientRejected",
  406: "GenericRejected", 407: "InvalidSender", 500: "Undeliverable",
};

/**
 * An element with properties and children: el("td", {className: "x"}, "text").
 * A name with a dash (aria-*, data-*) is set as an attribute.
 */
function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name.includes("-")) element.setAttribute(name, value);
    else element[name] = value;
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

const statusName = (code) => STATUS_NAMES[code] ?? "";

function statusClass(code) {
  if (code === 201) return "status final-ok";
  if (code >= 202) return "status final-bad";
  return "status";
}

/** A status cell's content: the code, its name beside it. */
function statusLabel(code) {
  return [String(code), el("small", {}, ` ${statusName(code)}`)];
}

/** A virtual time as "2026-12-01 10:00:05" (UTC: virtual clocks are anywhere). */
const virtualTime = (iso) => (iso ?? "").replace("T", " ").slice(0, 19);

/** Says something to the person, in the page's note area. */
function note(text, isError = false) {
  const area = $("#note");
  area.textContent = text;
  area.classList.toggle("error", isError);
  area.hidden = !text;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Calls the control API: the response and its JSON, or an ApiError (a 401
 * asks for the control token first).
 */
async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : (typeof body === "string" ? body : JSON.stringify(body)),
  });
  if (response.status === 401) {
    askForToken();
    throw new ApiError(401, "The control API needs the control token.");
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data?.error ?? `${method} ${path}: ${response.status}`);
  return { response, data };
}

/** Calls the control API; answers the JSON. */
async function api(method, path, body) {
  return (await call(method, path, body)).data;
}

/** A listing with its total over all pages (X-Total-Count). */
async function apiPage(path) {
  const { response, data } = await call("GET", path);
  return { items: data, total: Number(response.headers.get("X-Total-Count") ?? 0) };
}

/** Shows the token form once: the emulator runs with --control-token. */
function askForToken() {
  if ($("#token")) return;
  const input = el("input", { name: "token", type: "password", autocomplete: "off", required: true });
  const form = el("form", { id: "token", className: "filters token" },
    el("label", {}, "Control token", input), el("button", { type: "submit" }, "Use"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(input.value)}; path=/_mock; SameSite=Strict`;
    location.reload();
  });
  $("main").prepend(el("p", {}, "This emulator runs with a control token: give it once to see its data."), form);
  input.focus();
}

/** Runs an action and says what went wrong, if anything did. */
async function attempt(action) {
  try {
    await action();
  } catch (error) {
    note(error.message, true);
  }
}

/** A button that runs an action, disabled while it runs. */
function button(label, action, props = {}) {
  const b = el("button", { type: "button", ...props }, label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    await attempt(action);
    b.disabled = false;
  });
  return b;
}

/** Buttons that move one account's clock. */
function clockButtons(account) {
  return CLOCK_STEPS.map(([label, seconds]) =>
    button(label, () => api("POST", "/_mock/clock/advance", { account, seconds })));
}

/**
 * Follows the event stream: `handlers` maps event types to functions of the
 * event's data. The header's indicator says whether the page is live. Pages
 * ask for at most so many events a second (`maxPerSecond`) and reload on
 * `missed`, so an open tab keeps up with any load at little cost to it.
 */
function listen(query, handlers) {
  const live = $("#live");
  const events = new EventSource(`/_mock/events?${query}`);
  events.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  events.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  for (const [type, handle] of Object.entries(handlers)) {
    events.addEventListener(type, (e) => handle(JSON.parse(e.data)));
  }
  return events;
}

/**
 * Runs `f` at most once per `ms`, the last call never lost: a page that
 * hears it missed events reloads, but not more than once a second.
 */
function throttled(f, ms = 1000) {
  let last = 0;
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      f();
    }, Math.max(0, last + ms - Date.now()));
  };
}
