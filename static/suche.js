// Search on the wall, entirely in the browser: loads the index from this site (suche/index.json
// and as many older parts as the results shown need) and shows the posts that contain every
// word typed, newest first, 50 at a time. Results are built with DOM methods (textContent),
// never from HTML strings, because post text is untrusted.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form) { return; }
  var input = document.getElementById("suchbegriff");
  var status = document.getElementById("suche-status");
  var list = document.getElementById("suche-treffer");
  var hint = document.getElementById("suche-hinweis");
  var more = document.getElementById("suche-mehr");
  var RESULTS_AT_ONCE = 50;
  var PREFETCH = 2;  // older parts fetched ahead while one is searched
  // The index comes in parts of about a thousand posts, newest first: the newest names the
  // others, and an older part is loaded only when the results to show reach into it.
  var newestUrl = new URL(form.getAttribute("data-index"), window.location.href).href;
  var partUrls = [newestUrl];
  var parts = [];  // promises of each part's entries, by position in partUrls
  var current = null;  // the search on screen; a newer one makes an older one stop

  hint.hidden = true;

  // Invisible characters (soft hyphen, zero-width space and joiners, word joiner) are left out:
  // "Fu\u00adßball" shows as "Fußball", and that is what a visitor types.
  function fold(text) {
    return text.replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, "").toLocaleLowerCase("de-DE").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss");
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
            // w: the words of a long post beyond the excerpt t, each once
            entry.haystack = fold([entry.a, entry.p, entry.c, entry.t, entry.w || "", entry.h.join(" ")].join(" "));
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
    link.dir = "auto";  // a name in Hebrew or Arabic keeps its own direction, as <bdi> on the wall
    var meta = document.createElement("span");
    meta.className = "search-meta";
    meta.textContent = " " + [entry.c, entry.p, entry.d].filter(Boolean).join(" · ");
    var text = document.createElement("p");
    text.textContent = entry.t;
    text.dir = "auto";  // a right-to-left post reads right to left, as on the wall
    if (entry.l) { text.lang = entry.l; }
    li.appendChild(link);
    li.appendChild(meta);
    li.appendChild(text);
    return li;
  }

  function summary(search) {
    var count = search.matches.length;
    if (!search.complete) {
      return "Mehr als " + search.shown + " Treffer, die neuesten " + search.shown + " werden gezeigt.";
    }
    if (count === 0) { return "Keine Treffer."; }
    if (count === 1) { return "1 Treffer."; }
    return count + " Treffer" + (search.shown < count ? ", die neuesten " + search.shown + " werden gezeigt." : ".");
  }

  function matches(words, entry) {
    return words.every(function (word) { return entry.haystack.indexOf(word) !== -1; });
  }

  // Searches one part after the other until more than `wanted` posts match or none is left.
  function collect(search, wanted) {
    if (search.complete || search.matches.length > wanted) { return Promise.resolve(); }
    var position = search.next;
    return loadPart(position).then(function (entries) {
      if (search !== current) { return; }
      for (var ahead = position + 1; ahead <= position + PREFETCH && ahead < partUrls.length; ahead++) {
        loadPart(ahead).catch(function () {});  // its own search reports a failure
      }
      entries.forEach(function (entry) {
        if (matches(search.words, entry)) { search.matches.push(entry); }
      });
      search.next = position + 1;
      search.complete = search.next >= partUrls.length;
      return collect(search, wanted);
    });
  }

  // Shows the next RESULTS_AT_ONCE results; resolves to the first new list item, if any.
  function showMore(search) {
    var wanted = search.shown + RESULTS_AT_ONCE;
    status.textContent = "Suche läuft …";  // older parts may take a moment to load
    more.hidden = true;
    return collect(search, wanted).then(function () {
      if (search !== current) { return null; }
      var added = search.matches.slice(search.shown, wanted).map(item);
      added.forEach(function (li) { list.appendChild(li); });
      search.shown += added.length;
      status.textContent = summary(search);
      more.hidden = search.complete && search.shown === search.matches.length;
      return added[0] || null;
    });
  }

  function failed(search) {
    return function () {
      if (search !== current) { return; }
      status.textContent = "Die Suche konnte nicht geladen werden.";
      more.hidden = search.shown === 0;  // more results can be tried again; a new search starts over
    };
  }

  function show(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    more.hidden = true;
    current = words.length ? { words: words, matches: [], next: 0, complete: false, shown: 0 } : null;
    if (!current) { status.textContent = ""; return; }
    showMore(current).catch(failed(current));
  }

  more.addEventListener("click", function () {
    var search = current;
    showMore(search).then(function (first) {
      if (first) { first.querySelector("a").focus(); }  // where reading goes on
    }).catch(failed(search));
  });

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
