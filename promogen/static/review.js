// The review page's behaviour: every action is a call to promogen's REST API. Text from users or the
// model is only ever put into the page as text (textContent), or as HTML the server escaped.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const NUMBERS = new Set(["max_chars", "offer.value", "offer.min_spend"]);
let lastCampaign = null;
let checkTimers = new WeakMap();

function headers(json) {
  const h = json ? { "Content-Type": "application/json" } : {};
  const token = $("#token");
  if (token && token.value) h.Authorization = "Bearer " + token.value;
  return h;
}

async function post(url, body) {
  const json = !(body instanceof FormData);
  return fetch(url, { method: "POST", headers: headers(json), body: json ? JSON.stringify(body) : body });
}

// The campaign contract built from the form; empty fields are left out so the server's defaults apply.
function campaignFromForm() {
  const form = $("#campaign");
  const campaign = { offer: {} };
  for (const input of form.querySelectorAll("[name]")) {
    const name = input.name;
    if (["users", "n", "seed"].includes(name) || input.value.trim() === "") continue;
    let value = input.value.trim();
    if (name === "banned_phrases") value = value.split(",").map((p) => p.trim()).filter(Boolean);
    else if (NUMBERS.has(name) && !Number.isNaN(Number(value))) value = Number(value);
    if (name.startsWith("offer.")) campaign.offer[name.slice(6)] = value;
    else campaign[name] = value;
  }
  return campaign;
}

function clearErrors() {
  document.querySelectorAll(".error").forEach((e) => (e.textContent = ""));
}

// What a failed response says: a 422's list of fields, a 401's or 413's sentence, or (a 500, a proxy's
// page) the status line when the body is not JSON.
async function errorDetail(response) {
  const body = await response.text();
  try {
    return JSON.parse(body).detail ?? body;
  } catch {
    return `${response.status} ${response.statusText}: ${body.slice(0, 200)}`;
  }
}

function messageOf(detail) {
  return Array.isArray(detail) && detail[0] ? detail[0].msg : String(detail);
}

// A 422 names the field by its path in the request; show the message next to that field.
function showError(detail) {
  const item = Array.isArray(detail) && detail[0] ? detail[0] : { msg: String(detail) };
  const path = item.field || (item.loc || []).slice(1).join(".");
  const field = path.replace(/^campaign\./, "").replace(/\[\d+\].*$/, "");
  const slot = $(`[data-error-for="${CSS.escape(field)}"]`) || $("#form-error");
  slot.textContent = item.msg;
}

async function preview(event) {
  event.preventDefault();
  clearErrors();
  const form = $("#campaign");
  lastCampaign = campaignFromForm();
  const data = new FormData();
  data.append("campaign", JSON.stringify(lastCampaign));
  data.append("n", form.elements.n.value);
  data.append("seed", form.elements.seed.value);
  const file = $("#users-file").files[0];
  if (file) data.append("users", file);
  $("#busy").hidden = false;
  try {
    const response = await post("/review/preview", data);
    if (!response.ok) return showError(await errorDetail(response));
    $("#shoppers").innerHTML = await response.text(); // escaped by the server's templates
    document.querySelectorAll(".shopper").forEach(wireCard);
  } finally {
    $("#busy").hidden = true;
  }
}

function renderVerdict(card, verdict) {
  const chars = $(".chars", card);
  chars.textContent = `${verdict.chars}/${verdict.limit}`;
  chars.classList.toggle("over", verdict.chars > verdict.limit);
  $(".state", card).textContent = verdict.compliant ? "compliant" : "NOT compliant";
  const list = $(".violations", card);
  list.replaceChildren(
    ...verdict.violations.map((v) => {
      const li = document.createElement("li");
      const mark = document.createElement("mark");
      mark.textContent = v.rule;
      li.append(mark, " " + v.detail);
      return li;
    }),
  );
  card.classList.toggle("noncompliant", !verdict.compliant);
  $(".approve", card).disabled = !verdict.compliant;
}

async function recheck(card) {
  const text = $(".copy", card).value;
  const interests = JSON.parse(card.dataset.interests);
  const cart = JSON.parse(card.dataset.cart);
  const response = await post("/v1/check", { campaign: lastCampaign, text, interests, cart });
  if (text !== $(".copy", card).value) return; // a newer edit is being checked
  if (response.ok) renderVerdict(card, await response.json());
  else showError(await errorDetail(response));
}

async function decide(card, decision) {
  const body = {
    campaign: lastCampaign,
    text: $(".copy", card).value,
    decision,
    user_id: card.dataset.user,
    interests: JSON.parse(card.dataset.interests),
    cart: JSON.parse(card.dataset.cart),
  };
  const response = await post("/v1/variants", body);
  const note = $(".decision", card);
  if (!response.ok) {
    note.textContent = messageOf(await errorDetail(response));
    return;
  }
  note.textContent = decision;
  card.dataset.decision = decision;
  if (decision === "approved") {
    const li = document.createElement("li");
    li.textContent = body.text;
    $("#approved").append(li);
  }
}

function wireCard(card) {
  const copy = $(".copy", card);
  copy.addEventListener("input", () => {
    $(".approve", card).disabled = true; // until the gate has seen this edit
    clearTimeout(checkTimers.get(card));
    checkTimers.set(card, setTimeout(() => recheck(card), 250));
  });
  $(".approve", card).addEventListener("click", () => decide(card, "approved"));
  $(".reject", card).addEventListener("click", () => decide(card, "rejected"));
}

async function runBatch() {
  clearErrors();
  const data = new FormData();
  data.append("campaign", JSON.stringify(campaignFromForm()));
  data.append("users", $("#users-file").files[0]);
  const response = await post("/v1/jobs", data);
  if (!response.ok) return showError(await errorDetail(response));
  const job = await response.json();
  $("#run-batch").disabled = true;
  $("#cancel-batch").dataset.job = job.id;
  $("#cancel-batch").hidden = false;
  poll(job.id);
}

// The job stops before its next batch; what it wrote so far stays downloadable.
async function cancelBatch() {
  const response = await post(`/v1/jobs/${$("#cancel-batch").dataset.job}/cancel`, {});
  if (!response.ok) showError(await errorDetail(response));
}

async function poll(id) {
  const job = await (await fetch(`/v1/jobs/${id}`)).json();
  const bar = $("#job-progress");
  bar.max = Math.max(job.users_total, 1);
  bar.value = job.users_done;
  const percent = Math.round((100 * job.users_done) / bar.max);
  $("#job-text").textContent =
    `${job.state}: ${job.users_done}/${job.users_total} users (${percent}%), ${job.errors} bad rows` +
    (job.error ? ` - ${job.error}` : "");
  const ended = ["done", "failed", "cancelled"].includes(job.state);
  if (job.state === "done" || job.state === "cancelled") {
    for (const [link, path] of [["#download", "result"], ["#download-errors", "errors"]]) {
      $(link).href = `/v1/jobs/${id}/${path}`;
      $(link).hidden = false;
    }
  }
  if (ended) {
    $("#run-batch").disabled = false;
    $("#cancel-batch").hidden = true;
  } else {
    setTimeout(() => poll(id), 300);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#campaign").addEventListener("submit", preview);
  $("#users-file").addEventListener("change", () => {
    $("#run-batch").disabled = !$("#users-file").files.length;
  });
  $("#run-batch").addEventListener("click", runBatch);
  $("#cancel-batch").addEventListener("click", cancelBatch);
});
