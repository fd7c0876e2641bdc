// The search bundle's date shards (shards.json), answered as one full Pagefind index would answer.
//
// Each shard is a Pagefind index of its own, opened in Pagefind's own worker (pagefind-worker.js, spoken
// to directly) in the "playground" mode in which a search also returns its stems, each result's
// word statistics and each shard's per-word page counts. Two things then make the merged answer one
// full index's:
// - Which shards answer. Pagefind matches a stem by every indexed word that starts with it, or if none
//   does by the longest indexed word it starts with, or else ignores it. A shard that lacks a word the
//   archive has would take a shorter one, so words/*.json list which shards hold each indexed word, and
//   only shards that match every stem as the whole archive does answer.
// - The order. A score (BM25) depends on its index: its page count, their average length, and how many
//   pages hold each word. Every result is scored again here with the archive's figures, in Pagefind's
//   own formula and in 32-bit floats as Pagefind computes them (pagefind_web/src/search.rs, 1.5).

const f = Math.fround;
const K1 = f(1.4); // Pagefind's default ranking weights
const B = f(0.75);
const DIACRITIC_BOOST = f(1 + f(0.8));

function pagefindWorker(bundle) {
  const worker = new Worker(bundle + "pagefind-worker.js");
  const pending = new Map();
  let next = 0;
  worker.addEventListener("message", ({ data }) => {
    const waiting = pending.get(data.id);
    pending.delete(data.id);
    if (waiting) data.error ? waiting.fail(new Error(data.error)) : waiting.done(data.result);
  });
  return (instance, method, args = []) =>
    new Promise((done, fail) => {
      const id = `m${next++}`;
      pending.set(id, { done, fail });
      worker.postMessage({ id, instanceId: `shard${instance}`, method, args });
    });
}

const holds = (mask, bit) => (parseInt(mask[mask.length - 1 - (bit >> 2)] || "0", 16) >> (bit & 3)) & 1;

function sumCounts(all) {
  const merged = {};
  for (const counts of all) {
    for (const [key, values] of Object.entries(counts || {})) {
      merged[key] ??= {};
      for (const [value, n] of Object.entries(values)) merged[key][value] = (merged[key][value] || 0) + n;
    }
  }
  return merged;
}

// The query as Pagefind reads it before removing diacritics: punctuation out, lower case.
const originalTerms = (query) =>
  query
    .replace(/[\p{Pd}\p{Pe}\p{Pf}\p{Pi}\p{Po}\p{Ps}]/gu, "")
    .toLocaleLowerCase()
    .replace(/\s{2,}/g, " ")
    .trim()
    .split(" ");

const idf = (pages, holding) => f(Math.log(f(f(f(f(pages - holding) + 0.5) / f(holding + 0.5)) + 1)));

export async function openShards(bundle, base, language) {
  const { shards } = await (await fetch(bundle + "shards.json", { cache: "no-cache" })).json();
  const call = pagefindWorker(bundle);
  const open = async (shard, i) => {
    await call(i, "init", [{ basePath: bundle + shard.path, baseUrl: base, language }]);
    await call(i, "enterPlaygroundMode");
  };
  if (shards.length) await open(shards[0], 0); // first, so that the others find its WebAssembly cached
  await Promise.all(shards.slice(1).map((shard, i) => open(shard, i + 1)));
  const pages = shards.reduce((sum, shard) => sum + shard.pages, 0);
  const archive = { pages, averageLength: pages ? f(shards.reduce((sum, s) => sum + s.words, 0) / pages) : 0 };
  const wordFiles = new Map();
  const wordsStarting = (stem) => {
    const key = stem.codePointAt(0).toString(16);
    if (!wordFiles.has(key)) {
      const file = fetch(`${bundle}words/${key}.json`, { cache: "no-cache" });
      wordFiles.set(key, file.then((r) => (r.ok ? r.json() : {})).catch(() => ({}))); // none: no word
    }
    return wordFiles.get(key);
  };

  // For each stem, the words one full index would take for it (none: it ignores the stem), with the
  // shards that hold each (its mask).
  async function taken(stems) {
    return Promise.all(
      stems.map(async (stem) => {
        if (!stem) return { words: [], masks: {} };
        const masks = await wordsStarting(stem);
        const known = Object.keys(masks);
        let words = known.filter((word) => word.startsWith(stem));
        if (!words.length) words = known.filter((word) => stem.startsWith(word)).sort((a, b) => b.length - a.length).slice(0, 1);
        return { words, masks };
      }),
    );
  }

  const holdsAny = (term, bit) => term.words.some((word) => holds(term.masks[word], bit));

  async function search(query, filters) {
    const answers = await Promise.all(shards.map((_, i) => call(i, "search", [query, { filters }])));
    const stems = answers[0]?.search_keywords || [];
    const terms = await taken(stems);
    // A shard answers as the archive does if it holds one of the words taken for each stem taken.
    const faithful = shards.map((_, bit) => terms.map((term) => !term.words.length || holdsAny(term, bit)));
    const asked = answers.filter((_, bit) => faithful[bit].every(Boolean));
    const scoring = query && answers.every((a) => a.query_term_idfs) ? scorer(query, terms, answers, faithful) : null;
    const results = [];
    answers.forEach((answer, bit) => {
      if (!faithful[bit].every(Boolean)) return;
      for (const result of answer.results) {
        results.push({
          id: result.id,
          score: scoring ? scoring(result) : result.score,
          data: () => call(bit, "getData", [result.data]),
        });
      }
    });
    results.sort((a, b) => b.score - a.score); // stable: ties keep the archive's page order
    return { results, filters: sumCounts(asked.map((a) => a.filters)) };
  }

  // A result's score from the archive's figures: each stem's pages counted over the shards that answer
  // for it as the archive does (a shard's own count is in its idf), all pages, their average length.
  function scorer(query, terms, answers, faithful) {
    const holding = terms.map((_, t) =>
      answers.reduce((sum, answer, bit) => {
        if (!faithful[bit][t]) return sum;
        const own = answer.query_term_idfs[t].idf; // ln((N + 1) / (n + 0.5)) with this shard's N
        return sum + Math.max(0, Math.round((shards[bit].pages + 1) / Math.exp(own) - 0.5));
      }, 0),
    );
    const termIdf = holding.map((n) => idf(archive.pages, n));
    const totalIdf = termIdf.reduce((sum, x) => f(sum + x), 0);
    const originals = originalTerms(query);
    const matching = new Map(); // indexed word -> the search words (their positions) it matches
    terms.forEach((term, t) => term.words.forEach((word) => matching.set(word, [...(matching.get(word) || []), t])));
    const termsOf = (word) => matching.get(word) || [];
    return (result) => {
      let score = 0;
      for (const { search_term: word, params } of result.scores || []) {
        const t = termsOf(word)[0] ?? 0; // Pagefind takes the first search word that matched it
        const weighted = f(params.weighted_term_frequency * params.length_bonus);
        const length = f(result.params.document_length / archive.averageLength);
        const saturation = f(f(K1 * f(f(1 - B) + f(B * length))) + weighted);
        const tf = f(f(f(K1 + 1) * weighted) / saturation);
        const original = originals[t] || "";
        const boost = word === original || word.startsWith(original) || original.startsWith(word) ? DIACRITIC_BOOST : 1;
        score = f(score + f(f(termIdf[t] * tf) * boost));
      }
      let meta = 0; // a title (or other metadata) holding the search words: Pagefind's boost for it
      for (const field of result.verbose_meta_scores || []) {
        const matched = field.matched_terms.reduce((sum, word) => f(sum + termIdf[termsOf(word).at(-1) ?? 0]), 0);
        const coverage = f(matched / totalIdf);
        if (totalIdf > 0) meta = f(meta + f(f(f(field.field_weight * matched) * coverage) * coverage));
      }
      return f(score + meta);
    };
  }

  return {
    names: shards.map((shard) => shard.name),
    filters: async () => sumCounts(await Promise.all(shards.map((_, i) => call(i, "filters")))),
    search,
  };
}
