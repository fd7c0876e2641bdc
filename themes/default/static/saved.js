// The reading list: papers saved in this browser (localStorage), shown on /saved/.
// Nothing leaves the browser. The Save buttons are hidden in the HTML and shown only when this
// script runs and storage works, so without JavaScript (or storage) no button does nothing.
"use strict";
(() => {
  const KEY = "broadsheet:saved";

  function storage() {
    try {
      const probe = KEY + ":probe";
      localStorage.setItem(probe, "1");
      localStorage.removeItem(probe);
      return localStorage;
    } catch (error) {
      return null;
    }
  }

  const store = storage();

  function load() {
    try {
      const items = JSON.parse(store.getItem(KEY) || "[]");
      return Array.isArray(items) ? items.filter(valid) : [];
    } catch (error) {
      return [];
    }
  }

  function save(items) {
    store.setItem(KEY, JSON.stringify(items));
  }

  // Imported files and old storage are untrusted: only same-site paths become links.
  function valid(item) {
    return item && typeof item.id === "string" && typeof item.title === "string" && typeof item.path === "string"
      && item.path.startsWith("/") && !item.path.startsWith("//");
  }

  function describe(button) {
    const title = document.getElementById(button.getAttribute("aria-describedby"));
    const bibtex = document.getElementById("bibtex-code");
    const item = {
      id: button.dataset.save,
      title: title ? title.textContent.trim() : button.dataset.save,
      path: button.dataset.path,
      date: button.dataset.date || "",
      saved: new Date().toISOString(),
      read: false,
    };
    if (bibtex && button.dataset.page === "paper") item.bibtex = bibtex.textContent;
    return item;
  }

  function showState(button, saved) {
    button.setAttribute("aria-pressed", saved ? "true" : "false");
    button.textContent = saved ? "Saved" : "Save";
  }

  function wireButtons() {
    const ids = new Set(load().map((item) => item.id));
    for (const button of document.querySelectorAll("button[data-save]")) {
      showState(button, ids.has(button.dataset.save));
      button.hidden = false;
      button.addEventListener("click", () => {
        const items = load();
        const at = items.findIndex((item) => item.id === button.dataset.save);
        if (at >= 0) items.splice(at, 1);
        else items.unshift(describe(button));
        save(items);
        showState(button, at < 0);
      });
    }
  }

  // -- /saved/ --------------------------------------------------------------------------------

  function download(name, type, text) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type}));
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  // An entry saved from a card has no BibTeX yet: read it from the paper's page on this site.
  async function bibtexOf(item) {
    if (item.bibtex) return item.bibtex;
    const response = await fetch(item.path);
    if (!response.ok) throw new Error(response.status);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const code = page.getElementById("bibtex-code");
    if (!code) throw new Error("no entry");
    return code.textContent;
  }

  function savedPage(app) {
    const list = app.querySelector("#saved-list");
    const status = app.querySelector("#saved-status");
    const empty = app.querySelector("#saved-empty");

    function button(label, name, action) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.setAttribute("aria-label", `${label}: ${name}`);
      b.addEventListener("click", action);
      return b;
    }

    function update(change, message) {
      const items = load();
      change(items);
      save(items);
      render();
      status.textContent = message;
    }

    function row(item) {
      const li = document.createElement("li");
      li.className = "saved-item" + (item.read ? " is-read" : "");
      li.dataset.id = item.id;
      const heading = document.createElement("h2");
      const link = document.createElement("a");
      link.href = item.path;
      link.textContent = item.title;
      heading.append(link);
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = [item.date, item.read ? "Read" : "Unread"].filter(Boolean).join(" · ");
      const actions = document.createElement("p");
      actions.className = "saved-actions";
      const mark = item.read ? "Mark as unread" : "Mark as read";
      actions.append(
        button(mark, item.title, () => update((items) => {
          for (const i of items) if (i.id === item.id) i.read = !item.read;
        }, `${item.read ? "Marked as unread" : "Marked as read"}: ${item.title}`)),
        button("Remove", item.title, () => {
          update((items) => items.splice(items.findIndex((i) => i.id === item.id), 1), `Removed: ${item.title}`);
          status.focus();
        }),
      );
      li.append(heading, meta, actions);
      return li;
    }

    function render() {
      const items = load();
      list.replaceChildren(...items.map(row));
      empty.hidden = items.length > 0;
      for (const b of app.querySelectorAll("[data-needs-items]")) b.disabled = items.length === 0;
    }

    app.querySelector("#saved-export-bib").addEventListener("click", async () => {
      const items = load();
      const entries = [];
      let missing = 0;
      for (const item of items) {
        try {
          entries.push(await bibtexOf(item));
        } catch (error) {
          missing += 1;
        }
      }
      download("saved.bib", "application/x-bibtex", entries.map((e) => e + "\n\n").join(""));
      status.textContent = `Exported ${entries.length} BibTeX entries as saved.bib.`
        + (missing ? ` ${missing} could not be read (their pages did not load).` : "");
    });
    app.querySelector("#saved-export-json").addEventListener("click", () => {
      download("saved.json", "application/json", JSON.stringify(load(), null, 1) + "\n");
      status.textContent = "Exported the list as saved.json.";
    });
    app.querySelector("#saved-import").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      try {
        const data = JSON.parse(await file.text());
        const incoming = (Array.isArray(data) ? data : []).filter(valid);
        const items = load();
        const known = new Set(items.map((i) => i.id));
        const added = incoming.filter((i) => !known.has(i.id)).map((i) => ({
          id: i.id, title: i.title, path: i.path, date: typeof i.date === "string" ? i.date : "",
          saved: typeof i.saved === "string" ? i.saved : new Date().toISOString(), read: i.read === true,
          ...(typeof i.bibtex === "string" ? {bibtex: i.bibtex} : {}),
        }));
        save([...added, ...items]);
        render();
        status.textContent = `Imported ${added.length} papers (${incoming.length - added.length} were already saved).`;
      } catch (error) {
        status.textContent = "That file is not a reading list saved from this site (JSON).";
      }
      event.target.value = "";
    });
    render();
    app.hidden = false;
  }

  const app = document.getElementById("saved-app");
  const nojs = document.getElementById("saved-nojs");
  if (nojs) nojs.hidden = true;
  if (!store) {
    const warning = document.getElementById("saved-unavailable");
    if (warning) warning.hidden = false;
    return;
  }
  wireButtons();
  if (app) savedPage(app);
})();
