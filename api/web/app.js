// polydub web page: plain JavaScript, no build step. Talks to the same API as everyone else.
"use strict";

const LANGUAGES = [["pt", "Portuguese"], ["es", "Spanish"], ["de", "German"], ["fr", "French"], ["ja", "Japanese"], ["en", "English"]];
const $ = (sel) => document.querySelector(sel);
// The token lives for this browser session only (sessionStorage), never in a link: the API
// hands out signed links for videos, downloads and progress events.
const state = { token: sessionStorage.getItem("polydub-token") || "", asking: null, job: null, source: null,
  offset: 0, limit: 10, pending: [], voices: {}, reviewShown: "" };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function showError(message) {
  const box = $("#error");
  box.textContent = message;
  box.hidden = !message;
  if (message) window.scrollTo({ top: 0, behavior: "smooth" });
}
function notice(message) {
  const box = $("#notice");
  box.textContent = message;
  box.hidden = !message;
}

function withParam(url, param) {
  return url + (url.includes("?") ? "&" : "?") + param;
}

// Ask for the token once, however many calls were refused at the same time; `wrong` says the
// last token was not accepted.
function askToken(wrong) {
  if (!state.asking) {
    const box = $("#token-box");
    $("#token-why").textContent = wrong
      ? "That token was not accepted. Check it with whoever started the server (it is the --token option or POLYDUB_TOKEN there), then try again."
      : "This polydub server is protected by a token. Enter it once; this browser tab remembers it until you close it.";
    box.classList.toggle("wrong", wrong);
    box.hidden = false;
    $("#token").value = "";
    $("#token").focus();
    state.asking = new Promise((resolve) => {
      const submit = (e) => {
        e.preventDefault();
        const t = $("#token").value.trim();
        if (!t) return;
        $("#token-form").removeEventListener("submit", submit);
        box.hidden = true;
        state.token = t;
        sessionStorage.setItem("polydub-token", t);
        state.asking = null;
        resolve();
      };
      $("#token-form").addEventListener("submit", submit);
    });
  }
  return state.asking;
}

async function api(method, url, body) {
  const opts = { method, headers: {} };
  const sent = state.token;
  if (sent) opts.headers.Authorization = "Bearer " + sent;
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  const res = await fetch(url, opts);
  if (res.status === 401) {
    if (state.token === sent) {  // not already replaced by another call's answer
      const wrong = Boolean(sent);
      if (wrong) { state.token = ""; sessionStorage.removeItem("polydub-token"); }
      await askToken(wrong);
    }
    return api(method, url, body);
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ detail: res.statusText }));
  if (!res.ok) throw new Error(data.detail || res.statusText);
  return data;
}

// ------------------------------------------------------------------ presenters
function addPending(files) {
  for (const f of files) state.pending.push(f);
  $("#upload-status").textContent = state.pending.length + " file(s) ready: " + state.pending.map((f) => f.name).join(", ");
}

async function upload() {
  showError("");
  if (!state.pending.length) return showError("Choose or drop presenter videos first.");
  if (!$("#consent").checked) return showError("Confirm that the presenters consented to being lip-synced.");
  const by = $("#consent-by").value.trim();
  if (!by) return showError("Write who recorded the presenters' consent.");
  const form = new FormData();
  state.pending.forEach((f) => form.append("files", f, f.name));
  form.append("consent_by", by);
  form.append("consent", "true");
  $("#upload-btn").disabled = true;
  $("#upload-status").textContent = "uploading…";
  try {
    const out = await api("POST", "/presenters", form);
    state.pending = [];
    $("#upload-status").textContent = out.presenters.length + " uploaded";
    if (out.errors.length) showError(out.errors.map((e) => e.file + ": " + e.error).join("\n"));
    await loadPresenters(out.presenters.map((p) => p.id));
  } catch (e) {
    $("#upload-status").textContent = "";
    showError(e.message);
  } finally {
    $("#upload-btn").disabled = false;
  }
}

async function loadPresenters(select = []) {
  const list = await api("GET", "/presenters");
  const checked = new Set([...document.querySelectorAll("input[name=presenter]:checked")].map((i) => i.value).concat(select));
  const ul = $("#presenters");
  ul.replaceChildren(...list.map((p) => {
    const a = p.analysis, r = a.report;
    const info = r ? `face in ${Math.round(100 * (r.face_share ?? 1))}% of frames · ${r.recommended_renderer || ""}` : `analysis: ${a.state}`;
    return el("li", {},
      p.thumbnail_url ? el("img", { src: p.thumbnail_url, alt: p.name }) : el("div", { class: "hint" }, "no preview"),
      el("label", {}, el("input", { type: "checkbox", name: "presenter", value: p.id, checked: checked.has(p.id) }), " ", p.name),
      el("div", { class: "hint" }, info),
      r && r.advice && r.advice.length ? el("div", { class: "hint" }, r.advice.join(" ")) : "",
      a.error ? el("div", { class: "task-error" }, a.error) : "",
      el("div", { class: "hint" }, `consent: ${p.consent_by}, ${new Date(p.consent_at * 1000).toLocaleString()}`),
      el("button", { class: "small", type: "button", onclick: async () => {
        if (!confirm(`Forget presenter ${p.name}?`)) return;
        try { await api("DELETE", `/presenters/${p.id}`); loadPresenters(); } catch (e) { showError(e.message); }
      } }, "delete"));
  }));
  if (list.some((p) => ["queued", "running"].includes(p.analysis.state))) setTimeout(() => loadPresenters(), 2000);
}

// ------------------------------------------------------------------ job form
function languages() {
  const picked = [...document.querySelectorAll("input[name=lang]:checked")].map((i) => i.value);
  const other = $("#lang-other").value.split(/[\s,]+/).filter(Boolean);
  return [...new Set(picked.concat(other))];
}

function renderLanguageExtras() {
  const langs = languages();
  const voices = $("#voices");
  const keep = Object.fromEntries([...voices.querySelectorAll("input")].map((i) => [i.dataset.lang, i.value]));
  voices.replaceChildren(...langs.map((l) => el("label", {}, `Voice for ${l} `,
    el("input", { type: "text", size: 16, "data-lang": l, placeholder: "default", value: keep[l] || "", list: "voices-" + l }),
    el("datalist", { id: "voices-" + l }))));
  for (const l of langs) {
    if (!state.voices[l]) state.voices[l] = api("GET", `/voices?language=${encodeURIComponent(l)}`).catch(() => []);
    state.voices[l].then((rows) => {
      const list = document.getElementById("voices-" + l);
      if (list) list.replaceChildren(...rows.map((v) => el("option", { value: v.voice }, (v.default ? "default: " : "") + v.description)));
    });
  }
  const files = $("#narration-files");
  files.replaceChildren(...langs.map((l) => el("div", { class: "row" }, el("label", {}, `Narration ${l} `,
    el("input", { type: "file", accept: "audio/*,video/*", "data-lang": l })))));
}

function setSource(kind) {
  for (const k of ["text", "recording", "narrations"]) $("#source-" + k).hidden = k !== kind;
}

async function uploadAudio(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return (await api("POST", "/uploads", form)).key;
}

async function jobBody() {
  const body = {
    languages: languages(),
    presenters: [...document.querySelectorAll("input[name=presenter]:checked")].map((i) => i.value),
    review: $("#review").checked, renderer: $("#renderer").value, name: $("#job-name").value.trim(),
    source_language: $("#source-language").value.trim() || "en",
    voices: Object.fromEntries([...document.querySelectorAll("#voices input")].filter((i) => i.value.trim()).map((i) => [i.dataset.lang, i.value.trim()])),
  };
  if (!body.presenters.length) throw new Error("Pick at least one presenter (upload one first).");
  if (!body.languages.length) throw new Error("Pick at least one language.");
  const kind = document.querySelector("input[name=source]:checked").value;
  if (kind === "text") {
    body.text = $("#script").value;
    if (!body.text.trim()) throw new Error("The script is empty: paste it or load a text file.");
  } else if (kind === "recording") {
    const f = $("#recording").files[0];
    if (!f) throw new Error("Choose the recording to transcribe.");
    body.recording = await uploadAudio(f);
  } else {
    body.narrations = {};
    for (const input of document.querySelectorAll("#narration-files input")) {
      if (!input.files[0]) throw new Error(`Choose the narration for ${input.dataset.lang}.`);
      body.narrations[input.dataset.lang] = await uploadAudio(input.files[0]);
    }
  }
  return body;
}

async function start(preview) {
  showError("");
  const buttons = [$("#start"), $("#preview")];
  buttons.forEach((b) => (b.disabled = true));
  try {
    const body = await jobBody();
    const out = await api("POST", preview ? "/jobs/preview" : "/jobs", body);
    notice(preview ? "Preview started." : "Job started.");
    follow(out.id);
    loadHistory();
  } catch (e) {
    showError(e.message);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

// ------------------------------------------------------------------ progress
async function follow(jobId) {
  if (state.source) state.source.close();
  state.source = null;
  state.job = jobId;
  state.reviewShown = "";
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
  $("#job-title").textContent = job.name;
  const st = $("#job-state");
  st.textContent = job.state;
  st.className = "state " + job.state;
  $("#job-bar").style.width = job.percent + "%";
  $("#job-percent").textContent = Math.round(job.percent) + "%";
  $("#job-eta").textContent = job.state === "running" && job.eta_seconds != null ? `about ${Math.ceil(job.eta_seconds)} s left` : (job.error || "");
  $("#cancel").disabled = ["done", "failed", "cancelled"].includes(job.state);
  $("#retry").disabled = !job.tasks.some((t) => ["failed", "cancelled"].includes(t.state));
  const zip = $("#job-zip");
  zip.hidden = !job.zip_url;
  if (job.zip_url) zip.href = job.zip_url;
  $("#tasks tbody").replaceChildren(...job.tasks.map((t) => el("tr", { "data-task": t.name },
    el("td", {}, t.name), el("td", {}, t.file || t.message || ""),
    el("td", {}, bar(t.state === "done" ? 1 : t.progress)),
    el("td", {}, el("span", { class: "state " + t.state }, t.state + (t.cached ? " (reused)" : "")),
      t.error ? el("div", { class: "task-error" }, t.error) : ""))));
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
      el("video", { src: v.url, controls: true, preload: "metadata" }),
      el("figcaption", {}, `${v.name} · ${v.language} `, el("a", { href: withParam(v.url, "download=true"), download: "" }, "download"))))),
    job.packs.length ? el("h3", {}, "Language packs") : "",
    el("ul", {}, ...job.packs.map((p) => el("li", {},
      el("a", { href: p.url, download: "", class: "pack-link" }, `${p.language} pack (zip)`), " · ",
      el("a", { href: p.srt, download: "" }, "srt"), " · ", el("a", { href: p.vtt, download: "" }, "vtt")))));
}

async function showReviews(job) {
  const panel = $("#review-panel");
  const parts = [];
  for (const r of job.reviews) {
    const translated = job.tasks.find((t) => t.name === "translate:" + r.language);
    if (!translated || translated.state !== "done") continue;
    try {
      const rev = await api("GET", `/jobs/${job.id}/review/${r.language}`);
      const grid = el("div", { class: "review" }, el("strong", {}, `source (${rev.source_language})`), el("strong", {}, r.language),
        ...rev.sentences.flatMap((s) => [el("div", { class: "src" }, s.source),
          el("textarea", { "data-id": s.id, rows: 2 }, s.text)]));
      const save = el("button", { type: "button", onclick: async () => {
        const edits = Object.fromEntries([...grid.querySelectorAll("textarea")].map((t) => [t.dataset.id, t.value]));
        try { const out = await api("PUT", `/jobs/${job.id}/review/${r.language}`, { edits });
          notice(out.redo.length ? `Saved; redoing ${out.redo.length} task(s).` : "Saved; nothing changed."); } catch (e) { showError(e.message); }
      } }, "Save edits");
      const approve = el("button", { type: "button", class: "primary", disabled: rev.approved, onclick: async () => {
        try { await api("POST", `/jobs/${job.id}/review/${r.language}/approve`, { by: $("#consent-by").value.trim() || "reviewer" });
          notice(`${r.language} approved.`); approve.disabled = true; } catch (e) { showError(e.message); }
      } }, rev.approved ? "Approved" : `Approve ${r.language}`);
      parts.push(el("div", { class: "review-lang", "data-lang": r.language }, el("h3", {}, `Review ${r.language}`), grid, el("div", { class: "row" }, save, approve)));
    } catch (e) { showError(e.message); }
  }
  if (state.job !== job.id) return;  // another job was opened while the reviews loaded
  panel.replaceChildren(...parts);
}

// ------------------------------------------------------------------ history
async function loadHistory() {
  try {
    const out = await api("GET", `/jobs?offset=${state.offset}&limit=${state.limit}&kind=job,preview`);
    $("#history tbody").replaceChildren(...out.jobs.map((j) => el("tr", {},
      el("td", {}, new Date(j.created * 1000).toLocaleString()),
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); follow(j.id); } }, j.name), j.kind !== "job" ? ` (${j.kind})` : ""),
      el("td", {}, j.languages.join(", ")),
      el("td", {}, el("span", { class: "state " + j.state }, j.state), j.state === "running" ? ` ${Math.round(j.percent)}%` : ""),
      el("td", {}, el("button", { class: "small", type: "button", onclick: async () => {
        if (!confirm("Delete this job and its files?")) return;
        try { await api("DELETE", `/jobs/${j.id}`); loadHistory(); } catch (e) { showError(e.message); }
      } }, "delete")))));
    $("#page").textContent = ` ${out.total ? state.offset + 1 : 0}–${Math.min(state.offset + state.limit, out.total)} of ${out.total} `;
    $("#prev").disabled = state.offset === 0;
    $("#next").disabled = state.offset + state.limit >= out.total;
  } catch (e) { showError(e.message); }
}

// ------------------------------------------------------------------ wiring
function init() {
  $("#languages").replaceChildren(...LANGUAGES.map(([code, name]) =>
    el("label", {}, el("input", { type: "checkbox", name: "lang", value: code }), ` ${name} (${code})`)));
  document.querySelectorAll("input[name=lang]").forEach((i) => i.addEventListener("change", renderLanguageExtras));
  $("#lang-other").addEventListener("input", renderLanguageExtras);
  document.querySelectorAll("input[name=source]").forEach((i) => i.addEventListener("change", () => setSource(i.value)));
  const drop = $("#drop");
  ["dragenter", "dragover"].forEach((n) => drop.addEventListener(n, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((n) => drop.addEventListener(n, (e) => { e.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", (e) => addPending([...e.dataTransfer.files]));
  $("#files").addEventListener("change", (e) => addPending([...e.target.files]));
  $("#upload-btn").addEventListener("click", upload);
  $("#script-file").addEventListener("change", async (e) => { const f = e.target.files[0]; if (f) $("#script").value = await f.text(); });
  $("#start").addEventListener("click", () => start(false));
  $("#preview").addEventListener("click", () => start(true));
  $("#cancel").addEventListener("click", async () => { try { await api("POST", `/jobs/${state.job}/cancel`); } catch (e) { showError(e.message); } });
  $("#retry").addEventListener("click", async () => { try { await api("POST", `/jobs/${state.job}/retry`); follow(state.job); } catch (e) { showError(e.message); } });
  $("#prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); loadHistory(); });
  $("#next").addEventListener("click", () => { state.offset += state.limit; loadHistory(); });
  api("GET", "/version").then((v) => ($("#version").textContent = "v" + v.version)).catch(() => {});
  loadPresenters().catch((e) => showError(e.message));
  loadHistory();
}

init();
