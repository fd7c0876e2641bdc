// Search as you type with Pagefind's bundle. Results are built with textContent, never
// innerHTML: titles and excerpts come from untrusted paper text.
const root = document.getElementById("search");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const results = document.getElementById("search-results");
const SHOWN = 20;
let pagefind = null;

async function load() {
  // The bundle path carries the base URL's sub-path; baseUrl makes result links carry it too.
  pagefind = await import(root.dataset.bundle + "pagefind.js");
  await pagefind.options({ baseUrl: root.dataset.base });
  pagefind.init();
}

// Pagefind marks matches with <mark>; keep those and turn everything else into plain text.
function excerptNode(html) {
  const template = document.createElement("template");
  template.innerHTML = html; // inert: nothing in a template runs or loads
  const p = document.createElement("p");
  p.className = "excerpt";
  for (const node of template.content.childNodes) {
    const isMark = node.nodeName === "MARK";
    const part = isMark ? document.createElement("mark") : document.createTextNode("");
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

async function run(query) {
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  if (!query.trim()) {
    results.replaceChildren();
    status.textContent = "";
    return;
  }
  const search = await pagefind.debouncedSearch(query);
  if (search === null) return; // a newer keystroke superseded this search
  const found = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
  if (input.value !== query) return; // the box changed while the results loaded
  const list = document.createElement("ol");
  list.className = "papers";
  list.append(...found.map(resultItem));
  results.replaceChildren(list);
  const n = search.results.length;
  const more = n > SHOWN ? `, showing the first ${SHOWN}` : "";
  status.textContent = n === 0 ? `No papers match “${query}”.` : `${n} paper${n === 1 ? "" : "s"} found${more}.`;
}

async function main() {
  document.getElementById("search-nojs").hidden = true;
  try {
    await load();
  } catch (error) {
    status.textContent = "The search index is missing: this site was built without search.";
    return;
  }
  root.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(input.value);
  });
  input.addEventListener("input", () => run(input.value));
  const initial = new URL(location.href).searchParams.get("q");
  if (initial) {
    input.value = initial;
    run(initial);
  }
}

main();
