// Search with Pagefind's bundle: words, filters (tag, organization, year, code) and an order, all
// kept in the page's URL (/search/?q=diffusion&tag=vision-language&sort=upvotes) and restored
// from it. Results are built with textContent, never innerHTML: titles and abstracts come from
// untrusted paper text.
// The bundle is one Pagefind index per date shard, answered as one full index would answer by
// search-shards.js; the orders "newest" and "most upvoted" come from order.json (every page newest
// first, and by upvotes), loaded the first time one is asked for.
import { openShards } from "./search-shards.js";

const root = document.getElementById("search");
const form = root.querySelector("form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const results = document.getElementById("search-results");
const FACETS = ["tag", "organization", "year", "code"];
const SORTS = ["upvotes", "date"];
const select = (key) => document.getElementById("search-" + key);
const SHOWN = 20;
let shards = null;
let totals = {};
const labels = {}; // filter -> Map of value -> the name the page gives it, in the page's order
let latest = 0;
let orders = null; // a promise of { date, upvotes }: Map of page id -> rank
const TYPING = 300; // ms without a keystroke before a search runs

const bundleFile = async (name) => {
  const response = await fetch(root.dataset.bundle + name, { cache: "no-cache" }); // a new build may have replaced it
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return response.json();
};

async function load() {
  // The bundle path carries the base URL's sub-path; baseUrl makes result links carry it too.
  shards = await openShards(root.dataset.bundle, root.dataset.base, document.documentElement.lang);
  totals = await shards.filters();
}

function ranks() {
  orders ??= bundleFile("order.json").then(({ date, upvotes }) => ({
    date: new Map(date.map((id, rank) => [id, rank])),
    upvotes: new Map(upvotes.map((at, rank) => [date[at], rank])),
  }));
  return orders;
}

// The whole list in the chosen order: a page missing from the order goes last.
async function sorted(results, sort) {
  if (!SORTS.includes(sort)) return results;
  const rank = (await ranks())[sort];
  const at = (result) => rank.get(result.id) ?? rank.size;
  return [...results].sort((a, b) => at(a) - at(b));
}

function readForm() {
  const state = { q: input.value };
  for (const key of [...FACETS, "sort"]) state[key] = select(key).value;
  return state;
}

function writeUrl(state) {
  const url = new URL(location.href);
  url.search = "";
  for (const key of ["q", ...FACETS, "sort"]) if (state[key]) url.searchParams.set(key, state[key]);
  history.replaceState(null, "", url);
}

function restore() {
  for (const key of FACETS) {
    labels[key] = new Map();
    for (const option of select(key).options) if (option.value) labels[key].set(option.value, option.textContent);
  }
  const params = new URL(location.href).searchParams;
  // Words typed while the index was loading win over the URL's: they are what the reader wants now.
  if (!input.value) input.value = params.get("q") || "";
  for (const key of [...FACETS, "sort"]) {
    const value = params.get(key) || "";
    if (key !== "sort" && value && !labels[key].has(value)) labels[key].set(value, value); // kept, shown with 0
  }
  fillOptions(totals);
  for (const key of [...FACETS, "sort"]) select(key).value = params.get(key) || "";
  if (select("sort").value !== (params.get("sort") || "")) select("sort").value = ""; // not an order offered
  if (FACETS.some((key) => select(key).value) || select("sort").value) document.getElementById("search-facets").open = true;
}

function addOption(element, value, text) {
  const option = document.createElement("option");
  option.value = value;
  option.textContent = text;
  element.append(option);
}

// Every value the page offers, with how many of the current results have it.
function fillOptions(counts) {
  for (const key of FACETS) {
    const element = select(key);
    const chosen = element.value;
    element.replaceChildren();
    addOption(element, "", "Any");
    for (const [value, text] of labels[key]) {
      addOption(element, value, `${text} (${(counts[key] || {})[value] || 0})`);
    }
    element.value = chosen;
  }
}

// Pagefind's excerpt (from the abstract: the only text paper pages give it as content) marks
// matches with <mark>; keep those and turn everything else into plain text.
function excerptNode(html) {
  const template = document.createElement("template");
  template.innerHTML = html; // inert: nothing in a template runs or loads
  const p = document.createElement("p");
  p.className = "excerpt";
  for (const node of template.content.childNodes) {
    const part = node.nodeName === "MARK" ? document.createElement("mark") : document.createTextNode("");
    part.textContent = node.textContent;
    p.append(part);
  }
  return p;
}

function resultItem(data) {
  const li = document.createElement("li");
  li.className = "paper-card";
  const h2 = document.createElement("h2");
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = data.meta.title || data.url;
  h2.append(a);
  li.append(h2, excerptNode(data.excerpt));
  return li;
}

async function run(typed = false) {
  const mine = ++latest;
  const state = readForm();
  writeUrl(state);
  const filters = {};
  for (const key of FACETS) if (state[key]) filters[key] = state[key];
  const query = state.q.trim();
  if (!query && !Object.keys(filters).length && !SORTS.includes(state.sort)) {
    results.replaceChildren();
    status.textContent = "";
    fillOptions(totals);
    return;
  }
  if (query && typed) await new Promise((done) => setTimeout(done, TYPING));
  if (mine !== latest) return; // a newer search superseded this one
  // No words: browse what the filters select (Pagefind takes a null query for that).
  const search = await shards.search(query || null, filters);
  if (mine !== latest) return;
  const ordered = await sorted(search.results, state.sort);
  if (mine !== latest) return;
  const found = await Promise.all(ordered.slice(0, SHOWN).map((r) => r.data()));
  if (mine !== latest) return;
  fillOptions(search.filters);
  const list = document.createElement("ol");
  list.className = "papers";
  list.append(...found.map(resultItem));
  results.replaceChildren(list);
  const n = search.results.length;
  const more = n > SHOWN ? `, showing the first ${SHOWN}` : "";
  const what = query ? ` match “${query}”` : " match these filters";
  status.textContent = n === 0 ? `No papers${what}.` : `${n} paper${n === 1 ? "" : "s"} found${more}.`;
}

async function main() {
  document.getElementById("search-nojs").hidden = true;
  try {
    await load();
  } catch (error) {
    status.textContent = "The search index is missing: this site was built without search.";
    return;
  }
  restore();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  input.addEventListener("input", () => run(true));
  for (const key of [...FACETS, "sort"]) select(key).addEventListener("change", () => run());
  if (readForm().q || FACETS.some((key) => select(key).value) || select("sort").value) run();
}

main();
