/* jiesu pages: progressive enhancement only — every form works without this file. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function debounce(fn, ms) {
    var t;
    return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); };
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  /* The category list offers leaves only. A suggestion may be a branch (一级/二级分类): picking
     it narrows the list to the leaves under it (their data-branch names its code) for the
     person to choose one; "显示全部分类" brings every leaf back. The choice is kept if it can. */
  function categoryPicker(select) {
    if (!select) { return null; }
    var all = Array.prototype.slice.call(select.options);
    var first = all[0], firstText = first.textContent;
    var showAll = select.form.querySelector("[data-category-all]");
    function under(code) {
      return all.filter(function (o) {
        return o.value && (o.getAttribute("data-branch") || "").split(" ").indexOf(code) >= 0;
      });
    }
    function show(options, title, chosen) {
      select.textContent = "";
      first.textContent = title;
      select.appendChild(first);
      options.forEach(function (o) { select.appendChild(o); });
      select.value = options.some(function (o) { return o.value === chosen; }) ? chosen : "";
      if (showAll) { showAll.hidden = options.length === all.length - 1; }
    }
    if (showAll) {
      showAll.addEventListener("click", function () {
        show(all.slice(1), firstText, select.value); select.focus();
      });
    }
    return {
      /* whether the list holds this category or leaves under it */
      offers: function (code) {
        return !!code && (all.some(function (o) { return o.value === code; }) || under(code).length > 0);
      },
      pick: function (code, name) {
        if (all.some(function (o) { return o.value === code; })) {
          show(all.slice(1), firstText, code);
        } else {
          show(under(code), (select.getAttribute("data-narrowed") || "{name}").replace("{name}", name), select.value);
        }
        select.focus();
      }
    };
  }

  /* Suggestions while typing: category, urgency, duplicates (staff). Any failure hides them. */
  function setupSuggest(form) {
    var box = form.querySelector("[data-suggest-box]");
    if (!box) { return; }
    var inputs = form.querySelectorAll("[data-suggest-input]");
    var select = form.querySelector("[data-category-select]");
    var picker = categoryPicker(select);
    var urgencySelect = form.querySelector("[data-urgency-select]");
    var phone = form.querySelector('[name="requester_phone"]');
    var address = form.querySelector('[name="address"]');
    var seq = 0;
    function hide() { box.hidden = true; }
    function show(data) {
      var any = false;
      var urg = box.querySelector("[data-urgency]");
      var u = data.urgency || {};
      if (urg) {
        var calls = u.transfer_to || [];
        // the public form tells a resident whom to call, never the operator's instructions
        var pub = urg.getAttribute("data-public-message");
        if (u.level && u.level !== "normal" && (!pub || calls.length)) {
          var msg = u.message || u.level;
          // the lines to transfer to that the rule's own words do not name already
          // ("请立即转接 119…" said 119 twice, the second as a stray "（119）" at the end)
          var unsaid = calls.filter(function (c) { return msg.indexOf(c) < 0; });
          if (unsaid.length) { msg += "（" + unsaid.join("、") + "）"; }
          if (pub) { msg = pub.replace("{phones}", calls.join(urg.getAttribute("data-joiner") || "、")); }
          urg.textContent = msg; urg.hidden = false; any = true;
          if (urgencySelect && urgencySelect.selectedIndex < ["normal", "urgent", "emergency"].indexOf(u.level)) {
            urgencySelect.value = u.level;
          }
        } else { urg.hidden = true; }
      }
      var wrap = box.querySelector("[data-categories-wrap]");
      var list = box.querySelector("[data-categories]");
      if (wrap && list) {
        list.textContent = "";
        // residents see the names only, as buttons big enough to tap; staff also see how sure
        var namesOnly = wrap.hasAttribute("data-names-only");
        // a category the list cannot offer (not in this city's taxonomy) is no button to press
        var offered = (data.categories || []).filter(function (c) { return !picker || picker.offers(c.code); });
        offered.slice(0, 3).forEach(function (c) {
          var name = c.name || c.label || c.code;
          var text = namesOnly ? name : name + " " + Math.round((c.probability || 0) * 100) + "%";
          if (!picker) {  // a form without a category list (grid patrol): for reading only
            list.appendChild(el("span", { "class": "tag suggest-chip", "data-code": c.code || "" }, text));
            return;
          }
          var b = el("button", { type: "button", "class": namesOnly ? "button suggest-chip" : "button small suggest-chip",
                                 "data-code": c.code || "" }, text);
          b.addEventListener("click", function () { picker.pick(c.code, name); });
          list.appendChild(b);
        });
        wrap.hidden = !offered.length;
        any = any || !wrap.hidden;
      }
      var dwrap = box.querySelector("[data-duplicates-wrap]");
      var dlist = box.querySelector("[data-duplicates]");
      if (dwrap && dlist) {
        dlist.textContent = "";
        (data.duplicates || []).slice(0, 3).forEach(function (d) {
          var a = el("a", { href: "/staff/appeals/" + d.id, target: "_blank", rel: "noopener" }, d.code + " " + (d.title || ""));
          dlist.appendChild(a); dlist.appendChild(document.createTextNode(" "));
        });
        dwrap.hidden = !(data.duplicates || []).length;
        any = any || !dwrap.hidden;
      }
      // where the address was located, and the unit that would get the appeal (staff only)
      [["[data-area-wrap]", "[data-area]", data.area], ["[data-unit-wrap]", "[data-unit]", data.unit]]
        .forEach(function (it) {
          var w = box.querySelector(it[0]), v = box.querySelector(it[1]);
          if (!w || !v) { return; }
          v.textContent = it[2] && it[2].name ? it[2].name : "";
          w.hidden = !v.textContent;
          any = any || !w.hidden;
        });
      box.hidden = !any;
    }
    var run = debounce(function () {
      var title = (form.querySelector('[name="title"]') || {}).value || "";
      var content = (form.querySelector('[name="content"]') || {}).value || "";
      if ((title + content).trim().length < 4) { hide(); return; }
      var mine = ++seq;
      fetch("/api/v1/intake/suggest", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ title: title, content: content, requester_phone: phone ? phone.value : null,
                               address: address ? address.value : null })
      }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) { if (mine === seq) { show(data || {}); } })
        .catch(hide);
    }, 450);
    Array.prototype.forEach.call(inputs, function (i) { i.addEventListener("input", run); });
  }

  /* Operator: knowledge-base articles matching the call; "用此口径答复" fills the direct answer. */
  function setupKnowledge(form) {
    var box = form.querySelector("[data-kb-hints]");
    if (!box) { return; }
    var answer = form.querySelector('[name="answer"]');
    var article = form.querySelector("[data-article-id]");
    var seq = 0;
    var load = debounce(function () {
      var text = ["title", "content"].map(function (n) {
        return (form.querySelector('[name="' + n + '"]') || {}).value || ""; }).join(" ").trim();
      if (text.length < 2) { box.hidden = true; return; }
      var mine = ++seq;
      fetch("/staff/knowledge/hints?q=" + encodeURIComponent(text.slice(0, 400)), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) { if (mine === seq) { box.innerHTML = html; box.hidden = !html.trim(); } })
        .catch(function () { box.hidden = true; });
    }, 350);
    Array.prototype.forEach.call(form.querySelectorAll("[data-suggest-input]"), function (i) { i.addEventListener("input", load); });
    box.addEventListener("click", function (e) {
      var b = e.target.closest("[data-use-article]");
      if (!b) { return; }
      var consult = form.querySelector('input[name="kind"][value="consult"]');
      if (consult && !consult.checked) { consult.checked = true; consult.dispatchEvent(new Event("change", { bubbles: true })); }
      var direct = form.querySelector('[name="direct"]');
      if (direct) { direct.checked = true; }
      if (answer) { answer.value = b.getAttribute("data-answer") || ""; }
      if (article) { article.value = b.getAttribute("data-use-article") || ""; }
    });
    if (answer && article) { answer.addEventListener("input", function () { if (!answer.value.trim()) { article.value = ""; } }); }
  }

  /* Admin forms: a unit field (its code) offers the units whose name or code matches what is
     typed, from the server, in the field's datalist; without it a code is typed in full. */
  function setupUnitFind(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var last = "";
    var load = debounce(function () {
      var q = input.value.trim();
      if (!q || q === last) { return; }
      last = q;
      fetch("/staff/admin/units/find?q=" + encodeURIComponent(q.slice(0, 50)), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) { if (q === input.value.trim()) { list.innerHTML = html; } })
        .catch(function () { list.textContent = ""; });
    }, 250);
    input.addEventListener("input", load);
  }

  /* Operator: the caller's earlier appeals as soon as the number is typed. */
  function setupEarlier(input) {
    var target = document.querySelector("[data-earlier]");
    if (!target) { return; }
    var last = "";
    var load = debounce(function () {
      var phone = input.value.replace(/\s+/g, "");
      if (phone === last || phone.replace(/\D/g, "").length < 7) { return; }
      last = phone;
      fetch("/staff/operator/earlier?phone=" + encodeURIComponent(phone), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) { target.innerHTML = html; })
        .catch(function () { target.textContent = "—"; });
    }, 300);
    input.addEventListener("input", load);
    input.addEventListener("blur", load);
    if (input.value) { load(); }
  }

  /* Keyboard-first: Ctrl/Cmd+Enter submits; Alt+1…6 picks the kind. */
  function setupShortcuts(form) {
    form.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      } else if (e.altKey && /^[1-6]$/.test(e.key)) {
        var r = form.querySelector('input[name="kind"][data-key="' + e.key + '"]');
        if (r) { e.preventDefault(); r.checked = true; r.dispatchEvent(new Event("change", { bubbles: true })); }
      }
    });
    var direct = form.querySelector("[data-direct]");
    function toggle() {
      var k = form.querySelector('input[name="kind"]:checked');
      if (direct) { direct.hidden = !(k && k.value === "consult"); }
    }
    form.addEventListener("change", toggle);
    toggle();
  }

  /* Grid worker: fill the report's coordinates from the phone's position (optional). */
  function setupLocate(box) {
    var button = box.querySelector("[data-locate-button]");
    var status = box.querySelector("[data-locate-status]");
    var lat = box.querySelector("[data-lat]");
    var lon = box.querySelector("[data-lon]");
    if (!button || !navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(function (p) {
        lat.value = p.coords.latitude.toFixed(6);
        lon.value = p.coords.longitude.toFixed(6);
        status.textContent = box.getAttribute("data-located") + " ±" + Math.round(p.coords.accuracy) + " m";
      }, function () {
        lat.value = ""; lon.value = "";
        status.textContent = box.getAttribute("data-locate-failed");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  /* In the street the signal comes and goes: a form sent without a connection would leave
     the page for the browser's error page, and a chosen photo and the position with it.
     Stay, and say so; the typed text is still there to send once the phone is back online. */
  function setupOffline(form) {
    form.addEventListener("submit", function (e) {
      if (navigator.onLine !== false) { return; }
      e.preventDefault();
      var note = form.querySelector("[data-offline-note]");
      if (!note) {
        note = document.createElement("div");
        note.className = "flash flash-error";
        note.setAttribute("role", "alert");
        note.setAttribute("data-offline-note", "");
        form.insertBefore(note, form.firstChild);
      }
      note.textContent = form.getAttribute("data-offline");
    });
  }

  /* A dispatch form's unit select (data-unit-options) arrives with the few units near its
     suggestion; the whole list (thousands of units) is a fragment at the URL it names, fetched
     once per page and kept by the browser (an ETag: a 304 until a unit changes). It is fetched
     when the page has loaded and is idle, or at a select's first touch if that comes first;
     the first touch, click, focus or key copies it into that select, keeping the choice: the
     units are parsed once, not once per row. */
  var unitLists = {};  /* url -> {list: <template> once fetched, wanting: [selects]} */
  /* url -> when its fetch last failed: asked again at a touch only after a pause, not at
     every focus and key of a dispatcher working with the short list and the link */
  var unitListFailed = {};
  var UNIT_LIST_RETRY_MS = 20000;

  function unitList(url) {
    var entry = unitLists[url];
    if (entry) { return entry; }
    if (Date.now() - (unitListFailed[url] || 0) < UNIT_LIST_RETRY_MS) {
      return {list: null, wanting: [], failed: true};
    }
    entry = unitLists[url] = {list: null, wanting: []};
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) {
        /* signed out meanwhile (the login page) or no longer allowed: keep the short list */
        if (!r.ok || r.redirected) { throw new Error("unit list: " + r.status); }
        return r.text();
      })
      .then(function (html) {
        var list = document.createElement("template");
        list.innerHTML = html;
        entry.list = list;
        entry.wanting.forEach(function (select) { fillUnits(select, list); });
        entry.wanting = [];
      })
      .catch(function () {
        delete unitLists[url];  /* asked again at a touch after UNIT_LIST_RETRY_MS */
        unitListFailed[url] = Date.now();
        entry.wanting.forEach(offerAllUnits);
      });
    return entry;
  }

  /* The list could not be fetched (offline, a proxy, signed out): the select keeps the units
     near its appeal, and its form shows what a browser without script shows, the link to the
     page that holds every unit, so the dispatcher is not left with the short list alone. */
  function offerAllUnits(select) {
    var form = select.form;
    if (!form || form.querySelector("[data-units-fallback]")) { return; }
    var noscript = form.querySelector("noscript[data-units-link]");
    if (!noscript) { return; }
    var shown = document.createElement("span");
    shown.setAttribute("data-units-fallback", "");
    shown.innerHTML = noscript.textContent;  /* our own markup, as the server wrote it */
    noscript.parentNode.insertBefore(shown, noscript);
  }

  function fillUnits(select, list) {
    if (select.hasAttribute("data-unit-full")) { return; }
    var chosen = [], first = select.options[0];
    Array.prototype.forEach.call(select.options, function (o) {
      if (o.selected) { chosen.push(o.value); }
    });
    select.setAttribute("data-unit-full", "");
    select.textContent = "";
    if (first && !first.value) { select.appendChild(first); }
    select.appendChild(list.content.cloneNode(true));
    Array.prototype.forEach.call(select.options, function (o) {
      o.selected = chosen.indexOf(o.value) >= 0;
    });
  }

  function fullUnits(e) {
    var select = e.target;
    if (!select || select.tagName !== "SELECT" || !select.hasAttribute("data-unit-options") ||
        select.hasAttribute("data-unit-full")) { return; }
    var entry = unitList(select.getAttribute("data-unit-options"));
    if (entry.list) { fillUnits(select, entry.list); }
    else if (entry.failed) { offerAllUnits(select); }
    else if (entry.wanting.indexOf(select) < 0) { entry.wanting.push(select); }
  }
  ["pointerdown", "mousedown", "touchstart", "focus", "keydown"].forEach(function (type) {
    document.addEventListener(type, fullUnits, true);
  });
  window.addEventListener("load", function () {
    var select = document.querySelector("select[data-unit-options]");
    if (!select) { return; }
    var url = select.getAttribute("data-unit-options");
    (window.requestIdleCallback || function (f) { setTimeout(f, 200); })(function () {
      unitList(url);
    });
  });

  /* A table that the phone layout shows as blocks (.table.stack) loses its table semantics in
     some browsers (Safari drops them with display: block): say them explicitly. */
  function keepTableRoles(table) {
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot"), function (g) {
      g.setAttribute("role", "rowgroup");
    });
    Array.prototype.forEach.call(table.querySelectorAll("tr"), function (tr) {
      tr.setAttribute("role", "row");
    });
    Array.prototype.forEach.call(table.querySelectorAll("th, td"), function (c) {
      var scope = c.getAttribute("scope");
      c.setAttribute("role", c.tagName === "TD" ? "cell"
        : scope === "row" ? "rowheader" : "columnheader");
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest]"), setupSuggest);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest]"), setupKnowledge);
    Array.prototype.forEach.call(document.querySelectorAll("[data-earlier-phone]"), setupEarlier);
    Array.prototype.forEach.call(document.querySelectorAll("[data-unit-find]"), setupUnitFind);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-shortcuts]"), setupShortcuts);
    Array.prototype.forEach.call(document.querySelectorAll("[data-locate]"), setupLocate);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-offline]"), setupOffline);
    Array.prototype.forEach.call(document.querySelectorAll("table.stack"), keepTableRoles);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    /* One registration per screen load, even if the operator presses submit twice. */
    Array.prototype.forEach.call(document.querySelectorAll("[data-idempotency]"), function (i) { i.value = uuid(); });
  });
})();
