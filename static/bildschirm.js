// Screen mode for events and the EWG lobby: shows the newest posts one after another,
// with a visible pause control (WCAG 2.2.2). Visitors who prefer reduced motion get no
// automatic rotation. Every ten minutes it asks whether a newer build is published
// (stand.txt) and reloads itself, so a screen left running stays current without a server.
(function () {
  "use strict";
  var wall = document.querySelector(".screen-wall");
  var controls = document.querySelector(".screen-controls");
  if (!wall || !controls) { return; }
  var slides = Array.prototype.slice.call(wall.querySelectorAll(".screen-slide"));
  var toggle = controls.querySelector(".screen-toggle");
  var position = controls.querySelector(".screen-position");
  var interval = (parseInt(wall.getAttribute("data-interval"), 10) || 12) * 1000;
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var current = 0;
  var timer = null;

  // Only a visitor's own step is announced: a screen reader would otherwise read out
  // "Beitrag n von 20" every few seconds while the posts rotate.
  function show(index, announce) {
    current = (index + slides.length) % slides.length;
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    position.setAttribute("aria-live", announce ? "polite" : "off");
    position.textContent = "Beitrag " + (current + 1) + " von " + slides.length;
  }

  function play() {
    stop();
    timer = setInterval(function () { show(current + 1); }, interval);
    toggle.textContent = "Anhalten";
  }

  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    toggle.textContent = "Abspielen";
  }

  if (slides.length > 1) {
    controls.hidden = false;
    wall.classList.add("is-rotating");
    show(0);
    toggle.addEventListener("click", function () { if (timer) { stop(); } else { play(); } });
    controls.querySelector(".screen-next").addEventListener("click", function () { stop(); show(current + 1, true); });
    controls.querySelector(".screen-previous").addEventListener("click", function () { stop(); show(current - 1, true); });
    // Keyboard users must not lose the post they are on: focus inside the wall pauses it.
    wall.addEventListener("focusin", function () { if (timer) { stop(); } });
    if (reduced) { stop(); } else { play(); }
  }

  var version = wall.getAttribute("data-version");
  setInterval(function () {
    fetch(wall.getAttribute("data-version-file"), { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : version; })
      .then(function (latest) { if (latest.trim() && latest.trim() !== version) { window.location.reload(); } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }, 10 * 60 * 1000);
}());
