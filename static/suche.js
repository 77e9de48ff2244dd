// Search on the wall, entirely in the browser: loads suche/index.json from this site once
// and shows the posts that contain every word typed. Results are built with DOM methods
// (textContent), never from HTML strings, because post text is untrusted.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form) { return; }
  var input = document.getElementById("suchbegriff");
  var status = document.getElementById("suche-status");
  var list = document.getElementById("suche-treffer");
  var hint = document.getElementById("suche-hinweis");
  var entries = null;
  var MAX_RESULTS = 50;

  hint.hidden = true;

  function fold(text) {
    return text.toLocaleLowerCase("de-DE").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss");
  }

  function load() {
    if (entries) { return Promise.resolve(entries); }
    return fetch(form.getAttribute("data-index"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        entries = data.map(function (entry) {
          entry.haystack = fold([entry.a, entry.p, entry.c, entry.t, entry.h.join(" ")].join(" "));
          return entry;
        });
        return entries;
      });
  }

  function item(entry) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = "../beitrag/" + entry.s + "/";
    link.textContent = entry.a;
    var meta = document.createElement("span");
    meta.className = "search-meta";
    meta.textContent = " " + [entry.c, entry.p, entry.d].filter(Boolean).join(" · ");
    var text = document.createElement("p");
    text.textContent = entry.t;
    if (entry.l) { text.lang = entry.l; }
    li.appendChild(link);
    li.appendChild(meta);
    li.appendChild(text);
    return li;
  }

  function show(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    load().then(function (all) {
      var found = all.filter(function (entry) {
        return words.every(function (word) { return entry.haystack.indexOf(word) !== -1; });
      });
      found.slice(0, MAX_RESULTS).forEach(function (entry) { list.appendChild(item(entry)); });
      status.textContent = found.length === 0 ? "Keine Treffer." :
        (found.length === 1 ? "1 Treffer" : found.length + " Treffer") +
        (found.length > MAX_RESULTS ? ", die ersten " + MAX_RESULTS + " werden gezeigt." : ".");
    }).catch(function () {
      status.textContent = "Die Suche konnte nicht geladen werden.";
    });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(input.value); }, 150);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; show(initial); }
}());
