// The State page: download the whole state (GET /_mock/state) as a file,
// upload one (PUT /_mock/state), and write the state file now
// (POST /_mock/state/save).
"use strict";

async function summarize() {
  const [accounts, messages] = await Promise.all([
    api("GET", "/_mock/accounts"),
    apiPage("/_mock/messages?limit=0"),
  ]);
  $("#summary").textContent =
    `Now: ${accounts.length} accounts and ${messages.total.toLocaleString("en")} message${messages.total === 1 ? "" : "s"}.`;
}

$("#download").addEventListener("click", () => attempt(async () => {
  const snapshot = await api("GET", "/_mock/state");
  const file = new Blob([JSON.stringify(snapshot, null, 2)], { type: "application/json" });
  const link = el("a", {
    href: URL.createObjectURL(file),
    download: `smsmock-state-${new Date().toISOString().slice(0, 19).replace(/:/g, "-")}.json`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
  note("Snapshot downloaded.");
}));

$("#save").addEventListener("click", () => attempt(async () => {
  const saved = await api("POST", "/_mock/state/save");
  note(`Written to ${saved.path} (${saved.bytes.toLocaleString("en")} bytes).`);
}));

$("#upload").addEventListener("submit", (e) => {
  e.preventDefault();
  attempt(async () => {
    const file = e.target.elements.snapshot.files[0];
    await api("PUT", "/_mock/state", await file.text());
    note(`Imported ${file.name}.`);
    e.target.reset();
    await summarize();
  });
});

const refresh = throttled(() => attempt(summarize));
attempt(summarize).then(() => listen("type=message,reset&maxPerSecond=10", {
  message: refresh,
  reset: refresh,
  missed: refresh,
}));
