// Small progressive enhancements; every page works without them. No inline scripts or
// handlers anywhere (the admin's Content-Security-Policy forbids them): all behaviour is here.
document.documentElement.classList.add("js");

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// -- the menu on narrow screens ---------------------------------------------------------
(() => {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("side-nav");
  if (!toggle || !nav) return;
  toggle.hidden = false;
  const set = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  };
  toggle.addEventListener("click", () => set(toggle.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && nav.classList.contains("open")) { set(false); toggle.focus(); }
  });
})();

// -- on a phone, the filters beyond the search box fold away until asked for ------------
(() => {
  const more = document.getElementById("more-filters");
  if (!more || !window.matchMedia("(max-width: 760px)").matches) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "more-toggle";
  button.setAttribute("aria-controls", more.id);
  button.textContent = document.documentElement.lang === "en" ? "More filters" : "更多筛选条件";
  const set = (open) => { more.hidden = !open; button.setAttribute("aria-expanded", String(open)); };
  set(more.hasAttribute("data-active"));
  button.addEventListener("click", () => set(more.hidden));
  more.before(button);
})();

// -- bulk selection ---------------------------------------------------------------------
(() => {
  const toggle = document.querySelector("[data-bulk-toggle]");
  const boxes = () => Array.from(document.querySelectorAll("input[name=ids][form=bulk]"));
  if (toggle) {
    toggle.addEventListener("change", () => boxes().forEach((b) => { b.checked = toggle.checked; }));
  }
  const action = document.querySelector("[data-bulk-action]");
  const value = document.querySelector("[data-bulk-value]");
  if (action && value) {
    const sync = () => {
      const chosen = action.value;
      let any = false;
      value.querySelectorAll("optgroup").forEach((group) => {
        const match = group.getAttribute("data-for") === chosen;
        group.hidden = !match;
        group.disabled = !match;
        any = any || match;
      });
      value.hidden = !any;
      if (!any) value.value = "";
    };
    action.addEventListener("change", sync);
    sync();
  }
})();

// -- relation pickers: an ARIA 1.2 combobox over the server's search ------------------------
// Without JavaScript a picker is a <select> of the chosen record plus a search box and a
// "查找" button that asks the server for matches. With it, the search box becomes a
// combobox (role=combobox, aria-expanded, aria-controls, aria-activedescendant) whose
// listbox pages through POST /admin/<type>/options as the user types: no cap on what can
// be chosen, and the typed text never enters a URL.
(() => {
  const csrf = () => {
    const input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  };
  let counter = 0;

  function enhance(picker) {
    const source = picker.getAttribute("data-source");
    const select = picker.querySelector("select");
    const finder = picker.querySelector(".picker-find");
    if (!source || !select) return;
    counter += 1;
    const id = `picker-${counter}`;
    const label = picker.getAttribute("data-label") || "";
    const hint = picker.querySelector(".hint");
    if (hint) hint.remove();
    if (finder) finder.hidden = true;
    select.hidden = true;
    select.tabIndex = -1;

    const wrap = document.createElement("div");
    wrap.className = "combo";
    const input = document.createElement("input");
    input.type = "text";
    input.id = `${id}-input`;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", `${id}-list`);
    input.setAttribute("autocomplete", "off");
    input.maxLength = 100;
    input.placeholder = document.documentElement.lang === "en" ? "Type a name or pinyin initials" : "输入姓名、拼音或首字母";
    ["aria-invalid", "aria-describedby", "aria-required"].forEach((name) => {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    if (select.autofocus) input.autofocus = true;
    const chosen = select.options[select.selectedIndex];
    input.value = chosen && chosen.value ? chosen.textContent.trim() : "";

    const list = document.createElement("ul");
    list.id = `${id}-list`;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", label);
    list.hidden = true;
    const status = document.createElement("p");
    status.className = "combo-status visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    const labelEl = document.querySelector(`label[for="${select.id}"]`);
    if (labelEl) labelEl.htmlFor = input.id;
    else input.setAttribute("aria-label", label);

    wrap.append(input, list, status);
    picker.insertBefore(wrap, select);

    let items = [];
    let active = -1;
    let next = null;
    let timer = null;
    let asked = 0;

    const open = (yes) => {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", String(yes));
      if (!yes) { active = -1; input.removeAttribute("aria-activedescendant"); }
    };
    const highlight = (index) => {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((o, i) => o.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    };
    const choose = (item) => {
      window.clearTimeout(timer);
      asked += 1; // answers to searches still on their way no longer matter
      let option = Array.from(select.options).find((o) => o.value === String(item.id));
      if (!option) {
        option = new Option(item.detail ? `${item.title} · ${item.detail}` : item.title, String(item.id));
        select.add(option);
      }
      select.value = String(item.id);
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = option.textContent.trim();
      open(false);
    };
    const render = (results, append) => {
      if (!append) { list.textContent = ""; items = []; }
      results.forEach((item) => {
        const li = document.createElement("li");
        li.id = `${id}-opt-${items.length}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.index = String(items.length);
        const name = document.createElement("span");
        name.className = "combo-title";
        name.textContent = item.title;
        li.append(name);
        if (item.detail) {
          const detail = document.createElement("span");
          detail.className = "combo-detail";
          detail.textContent = item.detail;
          li.append(detail);
        }
        items.push(item);
        list.append(li);
      });
      const old = list.querySelector(".combo-more");
      if (old) old.remove();
      if (next) {
        const more = document.createElement("li");
        more.className = "combo-more";
        more.setAttribute("role", "option");
        more.id = `${id}-more`;
        more.setAttribute("aria-selected", "false");
        more.textContent = document.documentElement.lang === "en" ? "Load more…" : "加载更多…";
        list.append(more);
      }
    };
    const ask = async (append) => {
      const ticket = ++asked;
      const body = new URLSearchParams({ q: input.value.trim(), csrf_token: csrf() });
      if (append && next) body.set("after", next);
      let data;
      try {
        const response = await fetch(source, { method: "POST", body, credentials: "same-origin", headers: { accept: "application/json" } });
        if (!response.ok) return;
        data = await response.json();
      } catch (error) {
        return;
      }
      if (ticket !== asked) return; // a newer search is on its way
      next = data.next;
      render(data.results, append);
      const en = document.documentElement.lang === "en";
      status.textContent = data.total === 0 ? (en ? "Nothing found" : "没有找到") : (en ? `${data.total} found` : `找到 ${data.total} 条`);
      if (data.total === 0) {
        const none = document.createElement("li");
        none.className = "combo-none";
        none.textContent = en ? "Nothing found" : "没有找到";
        list.append(none);
      }
      open(true);
      if (!append) highlight(-1);
    };
    const choosePosition = async (index) => {
      const options = list.querySelectorAll("[role=option]");
      const target = options[index];
      if (!target) return;
      if (target.classList.contains("combo-more")) {
        const keep = items.length;
        await ask(true);
        highlight(keep);
        return;
      }
      choose(items[Number(target.dataset.index)]);
    };

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      if (input.value.trim() === "") {
        select.value = "";
      }
      timer = window.setTimeout(() => ask(false), 200);
    });
    input.addEventListener("keydown", async (event) => {
      const count = list.querySelectorAll("[role=option]").length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { await ask(false); highlight(0); return; }
        highlight(Math.min(active + 1, count - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); await choosePosition(active); }
        else if (!list.hidden) { event.preventDefault(); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); open(false); }
      }
    });
    input.addEventListener("blur", () => window.setTimeout(() => open(false), 150));
    list.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the input
    list.addEventListener("click", async (event) => {
      const option = event.target.closest("[role=option]");
      if (!option) return;
      const options = Array.from(list.querySelectorAll("[role=option]"));
      await choosePosition(options.indexOf(option));
    });
  }

  document.querySelectorAll("[data-picker]").forEach(enhance);
})();

// Upload with a progress bar for large import files.
document.querySelectorAll("form[data-progress]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    const bar = document.querySelector(form.getAttribute("data-progress"));
    if (!bar || !window.XMLHttpRequest) return;
    event.preventDefault();
    form.classList.add("uploading");
    const request = new XMLHttpRequest();
    request.open(form.method || "POST", form.action || window.location.href);
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.style.width = Math.round((e.loaded / e.total) * 90) + "%";
    });
    request.addEventListener("load", () => {
      bar.style.width = "100%";
      document.open();
      document.write(request.responseText);
      document.close();
      if (request.responseURL) window.history.replaceState(null, "", request.responseURL);
    });
    request.send(new FormData(form));
  });
});
