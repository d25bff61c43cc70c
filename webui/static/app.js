// tooltrail web UI: local times, and the live view. The pages work
// without it; only the live view needs it.
"use strict";

// Show each <time> in local time, keeping the UTC text as its title.
function localTimes(root) {
  for (const el of root.querySelectorAll("time[datetime]")) {
    const d = new Date(el.getAttribute("datetime"));
    if (isNaN(d)) continue;
    el.title = el.title || el.textContent;
    el.textContent = d.toLocaleString(undefined, {
      year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
    });
  }
}

function cut(s) {
  s = String(s).replace(/\s+/g, " ").trim();
  return s.length > 100 ? s.slice(0, 100) + "…" : s;
}

function cell(tr, label, text, href) {
  const td = tr.insertCell();
  td.dataset.label = label;
  if (text === null || text === undefined || text === "") return td;
  const a = href ? document.createElement("a") : null;
  if (a) { a.href = href; a.textContent = text; td.append(a); } else td.textContent = text;
  return td;
}

// The live view: prepend the entries the server sends as they come.
function live(table) {
  const base = table.dataset.base || "";
  const state = document.getElementById("live-state");
  const count = document.querySelector("#count strong");
  const link = (k, v) => { const q = new URLSearchParams(base); q.set(k, v); if (k === "tool_name") q.delete("tool"); return "/?" + q; };
  const say = (s, text) => { if (state) { state.dataset.state = s; state.textContent = text; } };
  const src = new EventSource(table.dataset.stream);
  src.onopen = () => say("open", "connected");
  src.onerror = () => say(src.readyState === EventSource.CLOSED ? "closed" : "connecting", src.readyState === EventSource.CLOSED ? "disconnected: reload the page" : "reconnecting…");
  src.addEventListener("entry", (ev) => {
    const e = JSON.parse(ev.data);
    const tbody = table.tBodies[0];
    const empty = tbody.querySelector("tr.empty");
    if (empty) empty.remove();
    const tr = tbody.insertRow(0);
    tr.id = "entry-" + e.id;
    tr.className = "new";
    const href = "/entries/" + e.id;
    cell(tr, "#", String(e.id), href);
    const t = document.createElement("time");
    t.setAttribute("datetime", e.timestamp);
    t.textContent = e.timestamp;
    const a = document.createElement("a");
    a.href = href;
    a.append(t);
    cell(tr, "Time").append(a);
    cell(tr, "Tool", e.tool_name, link("tool_name", e.tool_name));
    cell(tr, "User", e.user_id, e.user_id && link("user_id", e.user_id));
    cell(tr, "Session", e.session_id, e.session_id && link("session_id", e.session_id));
    cell(tr, "Task", e.task_id, e.task_id && link("task_id", e.task_id));
    cell(tr, "Confirmed", e.confirmed ? "yes" : "no");
    const code = document.createElement("code");
    code.textContent = cut(JSON.stringify(e.arguments));
    cell(tr, "Arguments").append(code);
    cell(tr, "Result", e.result_summary ? cut(e.result_summary) : "");
    localTimes(tr);
    if (count) { const n = Number(count.dataset.count) + 1; count.dataset.count = n; count.textContent = n; }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document);
  const table = document.querySelector("table[data-stream]");
  if (table) live(table);
});
