// Search with Pagefind's bundle: words, filters (tag, organization, year, code) and an order, all
// kept in the page's URL (/search/?q=diffusion&tag=vision-language&sort=upvotes) and restored
// from it. Results are built with textContent, never innerHTML: titles and abstracts come from
// untrusted paper text.
// The bundle is one Pagefind index per date shard (shards.json), merged here: Pagefind sums the
// filter counts over all of them, but orders merged results only within each shard, so the orders
// come from order.json (every page newest first, and by upvotes), loaded the first time one is asked for.
// A shard that lacks a search word the archive has would answer for a shorter word (Pagefind's
// fallback), which one full index never does: words/*.json list which shards hold each indexed word,
// and a search asks only the shards that match each of its words as the whole archive does.
const root = document.getElementById("search");
const form = root.querySelector("form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const results = document.getElementById("search-results");
const FACETS = ["tag", "organization", "year", "code"];
const SORTS = ["upvotes", "date"];
const select = (key) => document.getElementById("search-" + key);
const SHOWN = 20;
let pagefind = null;
let totals = {};
const labels = {}; // filter -> Map of value -> the name the page gives it, in the page's order
let latest = 0;
let orders = null; // a promise of { date, upvotes }: Map of page id -> rank
let shardNames = []; // in shards.json order: bit i of a word's mask is shardNames[i]
let stemmer = null; // a promise of a function that calls a Pagefind of our own (see stems)
const wordFiles = new Map(); // first letter (code point, hex) -> promise of { word: mask }
const NO_SHARD = "~"; // a shard name none has: keeps a filter of no shards from meaning any

const bundleFile = async (name) => {
  const response = await fetch(root.dataset.bundle + name, { cache: "no-cache" }); // a new build may have replaced it
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return response.json();
};

async function load() {
  // The bundle path carries the base URL's sub-path; baseUrl makes result links carry it too.
  const { shards } = await bundleFile("shards.json");
  shardNames = shards.map((shard) => shard.name);
  pagefind = await import(root.dataset.bundle + "pagefind.js");
  const own = (shard) => ({ baseUrl: root.dataset.base, mergeFilter: { shard: shard.name } });
  await pagefind.options(shards.length ? own(shards[0]) : { baseUrl: root.dataset.base });
  pagefind.init();
  const others = shards.filter((shard) => shard.path); // the first shard is the bundle's own index
  await Promise.all(others.map((shard) => pagefind.mergeIndex(root.dataset.bundle + shard.path, own(shard))));
  totals = await pagefind.filters();
}

// The stems Pagefind searches for (its Snowball stemmer runs in its WebAssembly): asked of a Pagefind
// of our own, in its own worker, in the "playground" mode in which a search also returns its stems.
async function stems(query) {
  stemmer ??= new Promise((resolve, reject) => {
    const worker = new Worker(root.dataset.bundle + "pagefind-worker.js");
    const pending = new Map();
    let next = 0;
    const call = (method, args) =>
      new Promise((done, fail) => {
        const id = `stems_${next++}`;
        pending.set(id, { done, fail });
        worker.postMessage({ id, instanceId: "stems", method, args });
      });
    worker.addEventListener("message", ({ data }) => {
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (waiting) data.error ? waiting.fail(new Error(data.error)) : waiting.done(data.result);
    });
    worker.addEventListener("error", reject);
    const options = { basePath: root.dataset.bundle, language: document.documentElement.lang };
    call("init", [options]).then(() => call("enterPlaygroundMode", [])).then(() => resolve(call), reject);
  });
  const call = await stemmer;
  const found = await call("search", [query, { filters: { shard: NO_SHARD } }]); // the stems, no results
  return found?.search_keywords || [];
}

function wordsStarting(letter) {
  const key = letter.codePointAt(0).toString(16);
  if (!wordFiles.has(key)) wordFiles.set(key, bundleFile(`words/${key}.json`).catch(() => ({}))); // none: no word
  return wordFiles.get(key);
}

const holds = (mask, bit) => (parseInt(mask[mask.length - 1 - (bit >> 2)] || "0", 16) >> (bit & 3)) & 1;

// The shards one full index would answer from. For each stem, one full index takes every indexed
// word that starts with it, or if there is none the longest indexed word it starts with, or if
// there is none of those either it ignores the stem: a shard answers the same only if it holds one
// of the words the archive's index would take.
async function shardsFor(query) {
  let asked = shardNames.map(() => true);
  for (const stem of await stems(query)) {
    if (!stem) continue;
    const words = await wordsStarting(stem);
    const known = Object.keys(words);
    let taken = known.filter((word) => word.startsWith(stem));
    if (!taken.length) taken = known.filter((word) => stem.startsWith(word)).sort((a, b) => b.length - a.length).slice(0, 1);
    if (taken.length) asked = asked.map((ok, bit) => ok && taken.some((word) => holds(words[word], bit)));
  }
  return shardNames.filter((_, bit) => asked[bit]);
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

async function run() {
  const mine = ++latest;
  const state = readForm();
  writeUrl(state);
  const filters = {};
  for (const key of FACETS) if (state[key]) filters[key] = state[key];
  const options = { filters };
  const query = state.q.trim();
  if (!query && !Object.keys(filters).length && !SORTS.includes(state.sort)) {
    results.replaceChildren();
    status.textContent = "";
    fillOptions(totals);
    return;
  }
  if (query && shardNames.length > 1) {
    const asked = await shardsFor(query).catch(() => shardNames); // no stems (no worker): every shard
    if (mine !== latest) return;
    if (asked.length < shardNames.length) options.filters = { ...filters, shard: { any: [...asked, NO_SHARD] } };
  }
  // No words: browse what the filters select (Pagefind takes a null query for that).
  const search = query ? await pagefind.debouncedSearch(query, options) : await pagefind.search(null, options);
  if (search === null || mine !== latest) return; // a newer search superseded this one
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
  input.addEventListener("input", run);
  for (const key of [...FACETS, "sort"]) select(key).addEventListener("change", run);
  if (readForm().q || FACETS.some((key) => select(key).value) || select("sort").value) run();
}

main();
