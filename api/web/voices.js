// polydub web page, part 3: a voice menu per chosen language on each ticked presenter card, with a
// sample to listen to. Loaded before app.js, which holds the shared helpers ($, el, api, state,
// languages, languageName, narrationMode) and calls renderVoiceMenus when presenters or languages change.
"use strict";

// usable: language -> rows of GET /voices/usable (null while asked); auto: presenter -> language ->
// GET /presenters/{id}/voices choice (null while asked); heard: presenter -> its voice profile;
// choice: presenter -> language -> the voice picked ("" or absent: automatic).
const voices = { usable: {}, auto: {}, heard: {}, choice: {}, playing: null };

const REGISTER_WORDS = { female: "female voice", male: "male voice", unknown: "voice" };

// Build or keep each ticked card's rows for the chosen languages; the data they need is asked once.
function renderVoiceMenus() {
  const langs = narrationMode() ? [] : languages();
  const ticked = [];
  for (const li of document.querySelectorAll("#presenters li[data-presenter]")) {
    const pid = li.dataset.presenter;
    const box = li.querySelector(".voice-menus");
    const wanted = state.ticked.has(pid) ? langs : [];
    if (wanted.length) ticked.push(pid);
    const have = [...box.querySelectorAll(".voice-row")];
    if (have.map((r) => r.dataset.lang).join() === wanted.join()) continue;  // unchanged: keep focus where it is
    const rows = Object.fromEntries(have.map((r) => [r.dataset.lang, r]));
    box.replaceChildren(...(wanted.length ? [el("div", { class: "hint heard" })] : []),
      ...wanted.map((l) => rows[l] || voiceRow(pid, l)));
  }
  loadVoiceData(ticked, langs);
  refreshVoiceMenus();
}

function voiceRow(pid, lang) {
  const id = `voice-${pid}-${lang}`;
  const select = el("select", { id, "data-presenter": pid, "data-lang": lang });
  select.addEventListener("change", () => { (voices.choice[pid] ||= {})[lang] = select.value; sayChoice(select); });
  const play = el("button", { type: "button", class: "small play", "data-presenter": pid, "data-lang": lang,
    "aria-label": `Play a sample of the voice in ${languageName(lang)}` }, "Play sample");
  play.addEventListener("click", () => playSample(pid, lang, play));
  return el("div", { class: "voice-row", "data-lang": lang }, el("label", { for: id }, `Voice in ${languageName(lang)}`), select,
    el("div", { class: "voice-said hint", "aria-hidden": "true" }), play);
}

// A closed menu cannot wrap its text: on a narrow card "Automatic (jm_kumo, …)" is cut, so the
// choice is also said in full, wrapping, under the menu.
function sayChoice(select) {
  const said = select.parentElement.querySelector(".voice-said");
  if (said) said.textContent = select.selectedOptions.length ? select.selectedOptions[0].text : "";
}

// The options of every menu from what is known so far; the user's pick is kept.
function refreshVoiceMenus() {
  for (const row of document.querySelectorAll("#presenters .voice-row")) {
    const select = row.querySelector("select");
    const pid = select.dataset.presenter, lang = select.dataset.lang;
    const auto = (voices.auto[pid] || {})[lang];
    const rows = voices.usable[lang] || [];
    const picked = (voices.choice[pid] || {})[lang] || "";
    select.replaceChildren(el("option", { value: "" }, auto ? `Automatic (${auto.label})` : "Automatic (finding the voice…)"),
      ...rows.map((v) => el("option", { value: v.voice }, `${v.label}, ${REGISTER_WORDS[v.register]}`)));
    select.value = rows.some((v) => v.voice === picked) ? picked : "";
    select.title = auto ? auto.reason : "";
    sayChoice(select);
  }
  for (const box of document.querySelectorAll("#presenters .voice-menus")) {
    const heard = box.querySelector(".heard");
    if (heard) heard.textContent = heardWords(voices.heard[box.closest("li").dataset.presenter]);
  }
}

function heardWords(profile) {
  if (!profile) return "Listening to the presenter's voice…";
  if (profile.source === "speech") {
    const register = profile.register === "unknown" ? "between a man's and a woman's" : `a ${profile.register}`;
    return `Voice heard: ${register} voice, about ${Math.round(profile.f0_median_hz)} Hz.`;
  }
  if (profile.source === "declared") return `Declared: a ${profile.register} voice.`;
  return "No speech heard in this video: each language's usual voice.";
}

function loadVoiceData(pids, langs) {
  for (const lang of langs) {
    if (lang in voices.usable) continue;
    voices.usable[lang] = null;
    api("GET", `/voices/usable?language=${encodeURIComponent(lang)}`)
      .then((rows) => { voices.usable[lang] = rows; refreshVoiceMenus(); })
      .catch((e) => { delete voices.usable[lang]; showError(e.message); });
  }
  for (const pid of pids) {
    const known = (voices.auto[pid] ||= {});
    const missing = langs.filter((l) => !(l in known));
    if (!missing.length) continue;
    missing.forEach((l) => (known[l] = null));
    const query = missing.map((l) => "language=" + encodeURIComponent(l)).join("&");
    api("GET", `/presenters/${pid}/voices?${query}`)
      .then((out) => { voices.heard[pid] = out; out.voices.forEach((v) => (known[v.language] = v)); refreshVoiceMenus(); })
      .catch((e) => { missing.forEach((l) => delete known[l]); showError(e.message); });
  }
}

// The chosen voices for the job: {presenter id: {language: voice}}; automatic ones are left out.
function chosenVoices() {
  const out = {};
  for (const select of document.querySelectorAll("#presenters .voice-row select")) {
    if (select.value) (out[select.dataset.presenter] ||= {})[select.dataset.lang] = select.value;
  }
  return out;
}

function stopSample() {
  const player = $("#voice-sample");
  player.pause();
  if (voices.playing) voices.playing.textContent = "Play sample";
  voices.playing = null;
}

// One sample plays at a time; pressing the playing row's button again stops it.
function playSample(pid, lang, button) {
  const again = voices.playing === button;
  stopSample();
  if (again) return;
  const select = button.parentElement.querySelector("select");
  const voice = select.value || ((voices.auto[pid] || {})[lang] || {}).voice;
  const row = (voices.usable[lang] || []).find((v) => v.voice === voice);
  if (!voice || !row) return notice("Still finding the voice; try again in a moment.");
  if (!row.sample_url) return notice(`There is no sample in ${languageName(lang)} yet; the voice is used all the same.`);
  const player = $("#voice-sample");
  player.src = row.sample_url;
  player.dataset.voice = voice;
  voices.playing = button;
  button.textContent = "Loading…";
  player.play().then(() => { if (voices.playing === button) button.textContent = "Stop"; })
    .catch((e) => { stopSample(); showError(`The sample did not play: ${e.message}`); });
}

document.getElementById("voice-sample").addEventListener("ended", stopSample);
