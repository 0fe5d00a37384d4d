// polydub web page: plain JavaScript, no build step. Talks to the same API as everyone else.
// Part 1: shared helpers, the token, presenters, the job form; job.js shows jobs and history,
// voices.js the voice menus on the presenter cards.
"use strict";

const $ = (sel) => document.querySelector(sel);
const TICKED = "polydub-presenters";  // localStorage: the presenters ticked for the next job
// The token lives for this browser session only (sessionStorage), never in a link: the API
// hands out signed links for videos, downloads and progress events.
const state = { token: sessionStorage.getItem("polydub-token") || "", asking: null, job: null, source: null,
  offset: 0, limit: 10, pending: [], reviewShown: "", historyTimer: 0, etas: {},
  languages: { source: "en", languages: [] }, names: {}, ticked: new Set(JSON.parse(localStorage.getItem(TICKED) || "[]")) };

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
// A notice about one job (`job`: its id) is cleared when that job ends (job.js showJob).
function notice(message, job = "") {
  const box = $("#notice");
  box.textContent = message;
  box.hidden = !message;
  box.dataset.job = job;
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
  $("#upload-status").textContent = state.pending.length + " file(s) ready: " + state.pending.map((f) => f.name).join(", ")
    + ". Tick the consent box and press Upload.";
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
  const mb = state.pending.reduce((n, f) => n + f.size, 0) / 1e6;
  $("#upload-status").textContent = `uploading ${state.pending.length} file(s), ${mb < 1 ? "under 1" : Math.round(mb)} MB…`;
  try {
    const out = await api("POST", "/presenters", form);
    state.pending = [];
    $("#upload-status").textContent = out.presenters.length + " uploaded" + (out.errors.length ? `, ${out.errors.length} not (see above)` : "");
    if (out.errors.length) showError("Not uploaded: " + out.errors.map((e) => e.file + ": " + e.error).join("\n"));
    await loadPresenters(out.presenters.map((p) => p.id));
  } catch (e) {
    $("#upload-status").textContent = "";
    showError(e.message);
  } finally {
    $("#upload-btn").disabled = false;
  }
}

function saveTicked() {
  localStorage.setItem(TICKED, JSON.stringify([...state.ticked]));
}

const ANALYSIS_WORDS = { "not started": "not checked yet", queued: "checking the video…", running: "checking the video…",
  failed: "the check failed", cancelled: "the check was cancelled" };

function presenterCard(p) {
  const a = p.analysis, r = a.report;
  const info = r ? `face found in ${Math.round(100 * (r.face_share ?? 1))}% of frames` : ANALYSIS_WORDS[a.state] || a.state;
  return [p.thumbnail_url ? el("img", { src: p.thumbnail_url, alt: p.name }) : el("div", { class: "hint noimg" }, "no picture"),
    el("label", {}, el("input", { type: "checkbox", name: "presenter", value: p.id, checked: state.ticked.has(p.id) }), " ", p.name),
    el("div", { class: "hint" }, info),
    r && r.advice && r.advice.length ? el("div", { class: "hint" }, r.advice.join(" ")) : "",
    a.error ? el("div", { class: "task-error" }, a.error) : "",
    el("div", { class: "hint" }, `consent recorded by ${p.consent_by}, ${new Date(p.consent_at * 1000).toLocaleDateString()}`),
    el("button", { class: "small", type: "button", onclick: async () => {
      if (!confirm(`Forget presenter ${p.name}?`)) return;
      try { await api("DELETE", `/presenters/${p.id}`); loadPresenters(); } catch (e) { showError(e.message); }
    } }, "delete")].filter((c) => c !== "");
}

async function loadPresenters(select = []) {
  const list = await api("GET", "/presenters");
  select.forEach((id) => state.ticked.add(id));
  // Ticked presenters stay ticked across reloads; forgotten ones are dropped from the list.
  const known = new Set(list.map((p) => p.id));
  state.ticked = new Set([...state.ticked].filter((id) => known.has(id)));
  saveTicked();
  // Cards are updated in place, so a voice menu being used keeps its focus while analyses finish.
  const ul = $("#presenters");
  const old = Object.fromEntries([...ul.children].map((li) => [li.dataset.presenter, li]));
  const items = list.map((p) => {
    const li = old[p.id] || el("li", { "data-presenter": p.id }, el("div", { class: "voice-menus" }));
    const box = li.querySelector(".voice-menus");
    [...li.childNodes].filter((c) => c !== box).forEach((c) => c.remove());
    box.before(...presenterCard(p));
    return li;
  });
  if (items.length !== ul.children.length || items.some((li, i) => ul.children[i] !== li)) ul.replaceChildren(...items);
  renderVoiceMenus();
  if (list.some((p) => ["queued", "running"].includes(p.analysis.state))) setTimeout(() => loadPresenters(), 2000);
}

// ------------------------------------------------------------------ languages
// The page offers only what can run here (GET /languages); names come from the API.
// A BCP-47 tag in words: the service's name for it (GET /languages), else built as the service
// builds its names ("Portuguese (Brazil)", pipeline/jobs/capabilities.py language_name) from
// the browser's own names (Intl.DisplayNames, offline), so "pt" from the command line and
// "pt-BR" from the page both read as names, never one as a bare tag.
const DISPLAY = typeof Intl.DisplayNames === "function"
  ? { language: new Intl.DisplayNames(["en"], { type: "language" }), region: new Intl.DisplayNames(["en"], { type: "region" }) } : null;
function languageName(tag) {
  if (state.names[tag]) return state.names[tag];
  const [primary, region] = tag.split("-");
  try {
    const name = state.names[primary] || (DISPLAY && DISPLAY.language.of(primary));
    if (!name || name === primary) return tag;
    return region ? `${name} (${DISPLAY ? DISPLAY.region.of(region.toUpperCase()) : region})` : name;
  } catch (e) { return tag; }  // not a well-formed tag: said as given
}

async function loadLanguages() {
  const source = $("#source-language").value || "en";
  let out;
  try { out = await api("GET", `/languages?source=${encodeURIComponent(source)}`); } catch (e) { return showError(e.message); }
  state.languages = out;
  for (const row of out.languages) state.names[row.tag] = row.name;
  fillSources(out);
  fillRenderers(out.renderers || []);
  renderLanguages();
}

function fillRenderers(names) {
  const select = $("#renderer");
  if (select.options.length > 1) return;
  select.append(...names.filter((n) => n !== "auto").map((n) => el("option", { value: n }, n)));
}

function fillSources(out) {
  const select = $("#source-language");
  if (select.options.length > 1) return;
  const rows = [{ tag: out.source, name: languageName(out.source) }, ...out.languages];
  if (!state.names.en) state.names.en = "English";
  select.replaceChildren(...rows.map((r) => el("option", { value: r.tag, selected: r.tag === out.source }, state.names[r.tag] || r.name || r.tag)));
}

function narrationMode() {
  return document.querySelector("input[name=source]:checked").value === "narrations";
}

function renderLanguages() {
  const picked = new Set(languages());
  const { source, languages: rows } = state.languages;
  // A narration per language needs no translation: every language is offered then.
  const offered = narrationMode() ? [{ tag: source, name: languageName(source), runs: true }, ...rows.map((r) => ({ ...r, runs: true }))]
    : [...rows.filter((r) => r.runs), { tag: source, name: languageName(source) + " (as written, no translation)", runs: true }];
  const box = $("#languages");
  box.hidden = narrationMode() && detecting();
  $("#accept-mixed").disabled = detecting();  // it keeps lines as the given language: none is given
  box.replaceChildren(...offered.map((r) => el("label", {},
    el("input", { type: "checkbox", name: "lang", value: r.tag, checked: picked.has(r.tag) }), ` ${r.name}`)));
  box.querySelectorAll("input").forEach((i) => i.addEventListener("change", renderLanguageExtras));
  const missing = narrationMode() ? [] : rows.filter((r) => !r.runs);
  $("#more-languages").hidden = !missing.length;
  $("#more-summary").textContent = `${missing.length} more language${missing.length === 1 ? "" : "s"} need a model first`;
  $("#how-to-add").textContent = `To add one, ${state.languages.how_to_add_model || ""}.`;
  $("#needs-model").replaceChildren(...missing.map((r) => el("li", { "data-lang": r.tag }, `${r.name} — needs ${r.needs}`)));
  renderLanguageExtras();
}

function languages() {
  return [...document.querySelectorAll("input[name=lang]:checked")].map((i) => i.value);
}

// "detect the language": no source_language; a narration then is one file of language `und`
// (BCP-47's undetermined), detected when it is timed.
function detecting() {
  return $("#detect-language").checked;
}

function renderLanguageExtras() {
  const langs = narrationMode() && detecting() ? ["und"] : languages();
  const files = $("#narration-files");
  const chosen = Object.fromEntries([...files.querySelectorAll("input")].filter((i) => i.files.length).map((i) => [i.dataset.lang, i]));
  files.replaceChildren(...langs.map((l) => chosen[l] ? chosen[l].closest(".row") : el("div", { class: "row" },
    el("label", {}, l === "und" ? "Narration (its language is detected) " : `Narration in ${languageName(l)} `, el("input", { type: "file", accept: "audio/*,video/*", "data-lang": l })))));
  renderVoiceMenus();
}

function setSource(kind) {
  for (const k of ["text", "recording", "narrations"]) $("#source-" + k).hidden = k !== kind;
  renderLanguages();
}

// ------------------------------------------------------------------ job form
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
    voices: chosenVoices(),
  };
  const kind = document.querySelector("input[name=source]:checked").value;
  if (!detecting()) body.source_language = $("#source-language").value || "en";
  if (kind === "narrations" && detecting()) body.languages = ["und"];
  if (!body.presenters.length) throw new Error("Pick at least one presenter (upload one first).");
  if (!body.languages.length) throw new Error("Pick at least one language.");
  if (kind === "text") {
    body.text = $("#script").value;
    if (!body.text.trim()) throw new Error("The script is empty: paste it or load a text file.");
    if ($("#accept-mixed").checked && !detecting()) body.accept_mixed_language = true;
  } else if (kind === "recording") {
    const f = $("#recording").files[0];
    if (!f) throw new Error("Choose the recording to transcribe.");
    const words = $("#transcript").value;
    if (words.trim()) body.transcript = words;
    body.recording = await uploadAudio(f);
  } else {
    body.narrations = {};
    delete body.source_language;
    for (const input of document.querySelectorAll("#narration-files input")) {
      if (!input.files[0]) throw new Error(`Choose the narration in ${languageName(input.dataset.lang)}.`);
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
    notice(preview ? "Preview started: the first seconds of one presenter, small." : "Job started.", out.id);
    follow(out.id);
    loadHistory();
  } catch (e) {
    showError(e.message);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

// ------------------------------------------------------------------ wiring
function init() {
  $("#source-language").addEventListener("change", loadLanguages);
  $("#detect-language").addEventListener("change", renderLanguages);
  document.querySelectorAll("input[name=source]").forEach((i) => i.addEventListener("change", () => setSource(i.value)));
  const drop = $("#drop");
  ["dragenter", "dragover"].forEach((n) => drop.addEventListener(n, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((n) => drop.addEventListener(n, (e) => { e.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", (e) => addPending([...e.dataTransfer.files]));
  $("#files").addEventListener("change", (e) => addPending([...e.target.files]));
  $("#upload-btn").addEventListener("click", upload);
  $("#presenters").addEventListener("change", (e) => {
    if (e.target.name !== "presenter") return;
    if (e.target.checked) state.ticked.add(e.target.value); else state.ticked.delete(e.target.value);
    saveTicked();
    renderVoiceMenus();
  });
  $("#consent-by").value = localStorage.getItem("polydub-consent-by") || "";
  $("#consent-by").addEventListener("change", () => localStorage.setItem("polydub-consent-by", $("#consent-by").value.trim()));
  $("#script-file").addEventListener("change", async (e) => { const f = e.target.files[0]; if (f) $("#script").value = await f.text(); });
  $("#start").addEventListener("click", () => start(false));
  $("#preview").addEventListener("click", () => start(true));
  $("#cancel").addEventListener("click", async () => { try { await api("POST", `/jobs/${state.job}/cancel`); } catch (e) { showError(e.message); } });
  $("#retry").addEventListener("click", async () => { try { await api("POST", `/jobs/${state.job}/retry`); follow(state.job); } catch (e) { showError(e.message); } });
  $("#prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); loadHistory(); });
  $("#next").addEventListener("click", () => { state.offset += state.limit; loadHistory(); });
  api("GET", "/version").then((v) => ($("#version").textContent = "v" + v.version)).catch(() => {});
  loadPresenters().catch((e) => showError(e.message));
  loadLanguages().then(loadHistory);
}

init();
