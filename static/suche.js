// Search on the wall, entirely in the browser: loads the index from this site (suche/index.json
// and, while results are few, its older parts) and shows the posts that contain every word
// typed. Results are built with DOM methods (textContent), never from HTML strings, because
// post text is untrusted.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form) { return; }
  var input = document.getElementById("suchbegriff");
  var status = document.getElementById("suche-status");
  var list = document.getElementById("suche-treffer");
  var hint = document.getElementById("suche-hinweis");
  var MAX_RESULTS = 50;
  var PREFETCH = 2;  // older parts fetched ahead while one is searched
  // The index comes in parts of about a thousand posts, newest first: the newest names the
  // others, and older parts are loaded only while there are few results.
  var newestUrl = new URL(form.getAttribute("data-index"), window.location.href).href;
  var partUrls = [newestUrl];
  var parts = [];  // promises of each part's entries, by position in partUrls
  var searches = 0;  // a newer search makes an older one stop

  hint.hidden = true;

  function fold(text) {
    return text.toLocaleLowerCase("de-DE").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss");
  }

  function loadPart(position) {
    if (!parts[position]) {
      parts[position] = fetch(partUrls[position], { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) {
          if (position === 0 && data.older) {
            partUrls = [newestUrl].concat(data.older.map(function (name) { return new URL(name, newestUrl).href; }));
          }
          return data.posts.map(function (entry) {
            entry.haystack = fold([entry.a, entry.p, entry.c, entry.t, entry.h.join(" ")].join(" "));
            return entry;
          });
        })
        .catch(function (error) {
          parts[position] = null;  // the next search tries again
          throw error;
        });
    }
    return parts[position];
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

  function summary(found, complete) {
    if (!complete) {
      return "Mehr als " + MAX_RESULTS + " Treffer, die neuesten " + MAX_RESULTS +
        " werden gezeigt. Weitere Suchwörter grenzen die Suche ein.";
    }
    if (found === 0) { return "Keine Treffer."; }
    if (found === 1) { return "1 Treffer."; }
    return found + " Treffer" + (found > MAX_RESULTS ? ", die neuesten " + MAX_RESULTS + " werden gezeigt." : ".");
  }

  function show(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    var search = ++searches;
    var found = 0;
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    status.textContent = "Suche läuft …";  // older parts may take a moment to load

    function searchPart(position) {
      return loadPart(position).then(function (entries) {
        if (search !== searches) { return; }
        for (var ahead = position + 1; ahead <= position + PREFETCH && ahead < partUrls.length; ahead++) {
          loadPart(ahead).catch(function () {});  // its own search reports a failure
        }
        entries.forEach(function (entry) {
          if (words.every(function (word) { return entry.haystack.indexOf(word) !== -1; })) {
            found += 1;
            if (found <= MAX_RESULTS) { list.appendChild(item(entry)); }
          }
        });
        var last = position + 1 >= partUrls.length;
        if (found > MAX_RESULTS || last) {
          status.textContent = summary(found, last);
          return;
        }
        return searchPart(position + 1);
      });
    }

    searchPart(0).catch(function () {
      if (search === searches) { status.textContent = "Die Suche konnte nicht geladen werden."; }
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
