// polydub web page, part 2: one job's progress, results and reviews, and the history.
// Loaded before app.js, which holds the shared helpers ($, el, api, state) and starts the page.
"use strict";

// Words a trainer knows for the API's states.
const JOB_WORDS = { queued: "waiting to start", running: "running", "waiting-review": "waiting for your review",
  done: "finished", failed: "failed", cancelled: "cancelled" };
const TASK_WORDS = { queued: "waiting", running: "running", done: "done", failed: "failed", cancelled: "cancelled" };

// "about 3 min left" from seconds (the API's estimate, made steady by steadyEta).
function timeLeft(seconds) {
  if (seconds == null) return "";
  if (seconds < 60) return "less than a minute left";
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

// A progress that has not moved for this long (seconds) is stalled: its time left may rise.
const STALLED_S = 30;

// The time left to show for a running job (seconds, or null). The API extrapolates from the
// rate over the whole elapsed time (pipeline/jobs/progress.py), which still jumps when a heavy
// task starts or ends (task weights are guesses), so one estimate can be higher than the last
// one while the job advances ("less than a minute" at 32 %, "about 2 min" at 36 %). The page
// keeps one memo per job: while the percent moves, the time left shown is the lower of the
// new estimate and the last one shown, so it never rises; once the percent has stood still
// for STALLED_S the new estimate is taken as it is (a stall is news worth showing). The job
// panel and its History row both read this memo, so they say the same.
function steadyEta(job, now = Date.now() / 1000) {
  const memo = state.etas[job.id];
  if (job.state !== "running" || job.eta_seconds == null) {
    delete state.etas[job.id];  // ended, or too early to tell: the next estimate starts afresh
    return { percent: job.percent, eta: job.eta_seconds ?? null };
  }
  let eta = job.eta_seconds;
  let moved = now;
  if (memo && job.percent < memo.percent) {
    eta = job.eta_seconds;  // work is redone (an edited translation): a fresh start
  } else if (memo && job.percent === memo.percent) {
    moved = memo.moved;
    if (now - memo.moved < STALLED_S) eta = Math.min(eta, memo.eta);
  } else if (memo) {
    eta = Math.min(eta, memo.eta);
  }
  state.etas[job.id] = { percent: job.percent, eta, moved };
  return state.etas[job.id];
}

// `listed`: a History row. The followed job's row shows the panel's memo (the event stream is
// its freshest source), so the two never disagree.
function jobProgress(job, listed = false) {
  if (job.state !== "running") return "";
  const followed = listed && job.id === state.job && state.etas[job.id];
  const { percent, eta } = followed || steadyEta(job);
  return `${Math.round(percent)}%` + (eta != null ? ` · ${timeLeft(eta)}` : "");
}

// A job's languages in words; "und" is a narration's language still to be detected: the one
// the job record says was heard, else "language not given" (never the bare tag "und").
function jobLanguages(job) {
  const heard = job.detected || {};
  return job.languages.map((tag) => tag !== "und" ? languageName(tag)
    : heard[tag] ? `${languageName(heard[tag])} (detected)` : "language not given").join(", ");
}

// A job's name. The service's default name says its languages in words; that of a job made
// before it did ends " → <its tags>" ("narration → und", "Clean → pt"): that tail is said in
// words as the languages column says them ("→ Portuguese").
function jobTitle(job) {
  const tail = ` → ${job.languages.join(", ")}`;
  if (!job.languages.length || !job.name.endsWith(tail)) return job.name;
  return `${job.name.slice(0, -tail.length)} → ${jobLanguages(job)}`;
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
  $("#job-title").textContent = jobTitle(job);
  const st = $("#job-state");
  st.textContent = JOB_WORDS[job.state] || job.state;
  st.dataset.state = job.state;
  st.className = "state " + job.state;
  const steady = steadyEta(job);
  $("#job-bar").style.width = steady.percent + "%";
  $("#job-percent").textContent = Math.round(steady.percent) + "%";
  const row = document.querySelector(`#history tr[data-job="${job.id}"] .progress`);
  if (row) row.textContent = jobProgress(job, true);  // the History row says what the panel says
  if (["done", "failed", "cancelled"].includes(job.state) && $("#notice").dataset.job === job.id) notice("");
  let eta = job.error || "";
  if (job.state === "running") eta = steady.eta != null ? timeLeft(steady.eta) : "Working out how long it will take…";
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

// A sentence's checks, in the server's words (pipeline/segments.py CHECK_WORDS, as the review
// payload's "words" carries them): the command line and the page say them alike.
function checkList(words) {
  return (words || []).length ? el("ul", { class: "flags" }, ...words.map((w) => el("li", {}, "Check: " + w))) : "";
}

async function reviewBlock(job, r) {
  const name = languageName(r.language);
  const rev = await api("GET", `/jobs/${job.id}/review/${encodeURIComponent(r.language)}`);
  const grid = el("div", { class: "review" }, el("strong", {}, `Original (${languageName(rev.source_language || "")})`),
    el("strong", {}, name),
    ...rev.sentences.flatMap((s) => [el("div", { class: "src" }, s.source, checkList(s.words)),
      el("textarea", { "data-id": s.id, rows: 2, "aria-label": `${name}: ${s.source}` }, s.text)]));
  const save = el("button", { type: "button", onclick: async () => {
    const edits = Object.fromEntries([...grid.querySelectorAll("textarea")].map((t) => [t.dataset.id, t.value]));
    try { notice(savedMessage(name, await api("PUT", `/jobs/${job.id}/review/${encodeURIComponent(r.language)}`, { edits })), job.id); }
    catch (e) { showError(e.message); }
  } }, "Save corrections");
  const approve = el("button", { type: "button", class: "primary", disabled: rev.approved, onclick: async () => {
    try {
      await api("POST", `/jobs/${job.id}/review/${encodeURIComponent(r.language)}/approve`,
        { by: $("#consent-by").value.trim() || "reviewer" });
      notice(`${name} approved: its voice and videos are being made.`, job.id);
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
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); follow(j.id); } }, jobTitle(j)), j.kind !== "job" ? ` (${j.kind})` : "",
        el("div", { class: "hint" }, new Date(j.created * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }))),
      el("td", {}, jobLanguages(j)),
      el("td", {}, el("span", { class: "state " + j.state, "data-state": j.state }, JOB_WORDS[j.state] || j.state),
        el("div", { class: "hint progress" }, jobProgress(j, true))),
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
