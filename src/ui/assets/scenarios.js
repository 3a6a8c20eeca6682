// The Scenarios page: fault rules (/_mock/faults), callback failure
// scripts (/_mock/callbacks/failures) and outcome rules (/_mock/rules),
// listed, added from a form with the common cases ready-made, deleted.
"use strict";

const KINDS = {
  faults: {
    list: "/_mock/faults", add: "/_mock/faults", form: "#fault-form",
    remove: (rule) => `/_mock/faults?id=${rule.id}`,
    describe: (r) => {
      const where = [r.method, r.path ?? "any path", r.gateway && `(${r.gateway})`, r.account && `for ${r.account}`]
        .filter(Boolean).join(" ");
      const what = { status: `answer ${r.status}`, delay: `delay ${r.delayMs} ms`, drop: "drop unanswered",
        dropResponse: "drop the response after processing" }[r.action];
      const how = r.times !== undefined && r.times !== null ? `the next ${r.times} calls` : `${r.rate * 100}% of calls`;
      return `${where}: ${what}, ${how} · hit ${r.applied} times`;
    },
  },
  scripts: {
    list: "/_mock/callbacks/failures", add: "/_mock/callbacks/failures", form: "#script-form",
    remove: (script) => `/_mock/callbacks/failures?id=${script.id}`,
    describe: (s) => {
      const which = [s.account && `of ${s.account}`, s.url && `to ${s.url}`, s.reference && `for ${s.reference}`]
        .filter(Boolean).join(" ") || "every callback";
      return `${which}: the first ${s.failFirst} attempts fail (${s.mode})`;
    },
  },
  rules: {
    list: "/_mock/rules", add: "/_mock/rules", form: "#rule-form",
    remove: (rule) => `/_mock/rules/${rule.id}`,
    describe: (r) => {
      const which = [r.recipient && `to ${r.recipient}`, r.sender && `from ${r.sender}`,
        r.bodyContains && `containing "${r.bodyContains}"`, r.account && `of ${r.account}`]
        .filter(Boolean).join(" ") || "every message";
      return `${which}: ${r.outcome}${r.code ? ` (${r.code})` : ""}${r.delaySeconds ? ` after ${r.delaySeconds} s` : ""}`;
    },
  },
};

async function show(name) {
  const kind = KINDS[name];
  const entries = await api("GET", kind.list);
  const list = $(`#${name}`);
  list.replaceChildren(...entries.map((entry) => el("li", {}, el("span", {}, kind.describe(entry)), " ",
    button("Delete", async () => { await api("DELETE", kind.remove(entry)); await show(name); },
      { "aria-label": `Delete: ${kind.describe(entry)}` }))));
  if (entries.length === 0) list.append(el("li", { className: "empty" }, "None."));
}

/** The form's filled-in fields as the control API takes them. */
function body(form) {
  const out = {};
  for (const field of form.elements) {
    if (!field.name || field.value === "") continue;
    out[field.name] = field.dataset.number ? Number(field.value) : field.value;
  }
  return out;
}

for (const [name, kind] of Object.entries(KINDS)) {
  const form = $(kind.form);
  form.querySelector(".preset").addEventListener("change", (e) => {
    if (!e.target.value) return;
    const preset = JSON.parse(e.target.value);
    for (const field of form.elements) {
      if (field.name) field.value = preset[field.name] ?? (field.tagName === "SELECT" ? field.options[0].value : "");
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    attempt(async () => {
      await api("POST", kind.add, body(form));
      note("");
      form.reset();
      await show(name);
    });
  });
}

const showAll = () => Promise.all(Object.keys(KINDS).map(show));
const refresh = throttled(() => attempt(showAll), 200);
attempt(showAll).then(() => listen("type=fault,reset&maxPerSecond=20", {
  fault: refresh,
  reset: refresh,
  missed: refresh,
}));
