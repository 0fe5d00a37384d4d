// polydub web page, part 2: one job's progress, results and reviews, and the history.
// Loaded before app.js, which holds the shared helpers ($, el, api, state) and starts the page.
"use strict";

// Words a trainer knows for the API's states.
const JOB_WORDS = { queued: "waiting to start", running: "running", "waiting-review": "waiting for your review",
  done: "finished", failed: "failed", cancelled: "cancelled" };
const TASK_WORDS = { queued: "waiting", running: "running", done: "done", failed: "failed", cancelled: "cancelled" };

// "about 3 min left" from seconds (the API's estimate).
function timeLeft(seconds) {
  if (seconds == null) return "";
  if (seconds < 60) return "less than a minute left";
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

function jobProgress(job) {
  if (job.state === "running") {
    return `${Math.round(job.percent)}%` + (job.eta_seconds != null ? ` · ${timeLeft(job.eta_seconds)}` : "");
  }
  return "";
}

async function follow(jobId) {
  if (state.source) state.source.close();
  state.source = null;
  state.job = jobId;
  state.reviewShown = "";
  state.shownState = "";
  // Nothing of the previous job may stay on screen under this one's title.
  $("#job-title").textContent = "";
  $("#job-state").textContent = "";
  $("#tasks tbody").replaceChildren();
  $("#review-panel").replaceChildren();
  $("#results").replaceChildren();
  delete $("#results").dataset.sig;
  $("#current").hidden = false;
  let job;
  try { job = await api("GET", `/jobs/${jobId}`); } catch (e) { return showError(e.message); }
  if (state.job !== jobId) return;
  showJob(job);
  const es = new EventSource(job.events);  // a signed link on a server with a token
  state.source = es;
  es.addEventListener("progress", (ev) => showJob(JSON.parse(ev.data)));
  es.addEventListener("end", () => { es.close(); loadHistory(); });
}

function bar(fraction) {
  const pct = Math.round(100 * fraction);
  return el("div", { class: "bar" }, el("div", { style: `width:${pct}%` }), el("span", {}, pct + "%"));
}

function showJob(job) {
  if (job.id !== state.job) return;
  if (state.shownState && state.shownState !== job.state) loadHistory();  // its history row follows
  state.shownState = job.state;
  $("#job-title").textContent = job.name;
  const st = $("#job-state");
  st.textContent = JOB_WORDS[job.state] || job.state;
  st.dataset.state = job.state;
  st.className = "state " + job.state;
  $("#job-bar").style.width = job.percent + "%";
  $("#job-percent").textContent = Math.round(job.percent) + "%";
  let eta = job.error || "";
  if (job.state === "running") eta = job.eta_seconds != null ? timeLeft(job.eta_seconds) : "Working out how long it will take…";
  else if (job.state === "waiting-review") eta = "Read the translations below, correct them if needed, then approve each language.";
  else if (job.state === "queued") eta = "Waiting for the jobs before it to finish.";
  $("#job-eta").textContent = eta;
  $("#cancel").disabled = ["done", "failed", "cancelled"].includes(job.state);
  $("#retry").disabled = !job.tasks.some((t) => ["failed", "cancelled"].includes(t.state));
  const zip = $("#job-zip");
  zip.hidden = !job.zip_url;
  if (job.zip_url) zip.href = job.zip_url;
  const unapproved = new Set(job.reviews.filter((r) => !r.approved).map((r) => r.language));
  const word = (t) => {
    if (t.state === "queued" && job.review && t.kind !== "translate" && unapproved.has(t.language)) return "after your approval";
    return (TASK_WORDS[t.state] || t.state) + (t.cached ? " (reused)" : "");
  };
  $("#tasks tbody").replaceChildren(...job.tasks.map((t) => el("tr", { "data-task": t.name },
    el("td", {}, t.label || t.kind, t.error ? el("div", { class: "task-error" }, t.error) : ""),
    el("td", {}, bar(t.state === "done" ? 1 : t.progress)),
    el("td", {}, el("span", { class: "state " + t.state }, word(t))))));
  showResults(job);
  const waiting = job.reviews.filter((r) => !r.approved).map((r) => r.language);
  const key = job.id + job.state + waiting.join(",");
  if (!job.review) $("#review-panel").replaceChildren();
  else if (key !== state.reviewShown) { state.reviewShown = key; showReviews(job); }
}

function showResults(job) {
  const box = $("#results");
  const sig = job.videos.map((v) => v.url).join() + job.packs.map((p) => p.url).join();
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  box.replaceChildren(
    job.videos.length ? el("h3", {}, "Videos") : "",
    el("div", { class: "videos" }, ...job.videos.map((v) => el("figure", {},
      el("video", { src: v.url, poster: v.poster, controls: true, preload: "metadata" }),
      el("figcaption", {}, `${v.name} · ${languageName(v.language)} `,
        el("a", { href: withParam(v.url, "download=true"), download: "" }, "download"))))),
    job.packs.length ? el("h3", {}, "Language packs") : "",
    el("ul", {}, ...job.packs.map((p) => el("li", {},
      el("a", { href: p.url, download: "", class: "pack-link" }, `${languageName(p.language)} pack (zip)`), " · subtitles ",
      el("a", { href: p.srt, download: "" }, "srt"), " · ", el("a", { href: p.vtt, download: "" }, "vtt")))));
}

function savedMessage(name, out) {
  if (!out.redo.length) return `Saved the ${name} corrections. Nothing else has been made from them yet, so nothing is redone.`;
  return `Saved the ${name} corrections. Redoing: ${out.redo_labels.join(", ")}.`;
}

async function reviewBlock(job, r) {
  const name = languageName(r.language);
  const rev = await api("GET", `/jobs/${job.id}/review/${encodeURIComponent(r.language)}`);
  const grid = el("div", { class: "review" }, el("strong", {}, `Original (${languageName(rev.source_language || "")})`),
    el("strong", {}, name),
    ...rev.sentences.flatMap((s) => [el("div", { class: "src" }, s.source),
      el("textarea", { "data-id": s.id, rows: 2, "aria-label": `${name}: ${s.source}` }, s.text)]));
  const save = el("button", { type: "button", onclick: async () => {
    const edits = Object.fromEntries([...grid.querySelectorAll("textarea")].map((t) => [t.dataset.id, t.value]));
    try { notice(savedMessage(name, await api("PUT", `/jobs/${job.id}/review/${encodeURIComponent(r.language)}`, { edits }))); }
    catch (e) { showError(e.message); }
  } }, "Save corrections");
  const approve = el("button", { type: "button", class: "primary", disabled: rev.approved, onclick: async () => {
    try {
      await api("POST", `/jobs/${job.id}/review/${encodeURIComponent(r.language)}/approve`,
        { by: $("#consent-by").value.trim() || "reviewer" });
      notice(`${name} approved: its voice and videos are being made.`);
      approve.disabled = true;
    } catch (e) { showError(e.message); }
  } }, rev.approved ? `${name} approved` : `Approve ${name}`);
  return el("div", { class: "review-lang", "data-lang": r.language }, el("h3", {}, `Review ${name}`), grid,
    el("div", { class: "row" }, save, approve));
}

async function showReviews(job) {
  const parts = [];
  for (const r of job.reviews) {
    const translated = job.tasks.find((t) => t.kind === "translate" && t.language === r.language);
    if (!translated || translated.state !== "done") continue;
    try { parts.push(await reviewBlock(job, r)); } catch (e) { showError(e.message); }
  }
  if (state.job !== job.id) return;  // another job was opened while the reviews loaded
  $("#review-panel").replaceChildren(...parts);
}

// ------------------------------------------------------------------ history
async function loadHistory() {
  clearTimeout(state.historyTimer);
  try {
    const out = await api("GET", `/jobs?offset=${state.offset}&limit=${state.limit}&kind=job,preview`);
    $("#history tbody").replaceChildren(...out.jobs.map((j) => el("tr", { "data-job": j.id },
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); follow(j.id); } }, j.name), j.kind !== "job" ? ` (${j.kind})` : "",
        el("div", { class: "hint" }, new Date(j.created * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }))),
      el("td", {}, j.languages.map(languageName).join(", ")),
      el("td", {}, el("span", { class: "state " + j.state, "data-state": j.state }, JOB_WORDS[j.state] || j.state),
        el("div", { class: "hint progress" }, jobProgress(j))),
      el("td", {}, el("button", { class: "small", type: "button", onclick: async () => {
        if (!confirm("Delete this job and its files?")) return;
        try { await api("DELETE", `/jobs/${j.id}`); loadHistory(); } catch (e) { showError(e.message); }
      } }, "delete")))));
    $("#history").hidden = !out.total;
    $("#no-jobs").hidden = Boolean(out.total);
    $("#pager").hidden = out.total <= state.limit;
    $("#page").textContent = ` ${out.total ? state.offset + 1 : 0}–${Math.min(state.offset + state.limit, out.total)} of ${out.total} `;
    $("#prev").disabled = state.offset === 0;
    $("#next").disabled = state.offset + state.limit >= out.total;
    // While a listed job runs, its row keeps moving.
    if (out.jobs.some((j) => ["queued", "running"].includes(j.state))) state.historyTimer = setTimeout(loadHistory, 3000);
  } catch (e) { showError(e.message); }
}
