// Start Pagefind's search UI on the search page; a ?q= from the header form runs at once.
// A big site's index comes in parts (pagefind/parts.json names the others): Pagefind merges
// them into one list of results (its mergeIndex option).
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  // Opened from the disk (file://), the browser refuses to load the index: say what to do
  // instead of a search box that spins for ever.
  if (window.location.protocol === "file:") {
    document.getElementById("search-file").hidden = false;
    return;
  }
  if (typeof window.PagefindUI !== "function") {
    document.getElementById("search-missing").hidden = false;
    return;
  }
  var bundle = box.getAttribute("data-bundle");
  // Result links are relative to the site's root wherever it is hosted (/, or /sub/path/):
  // Pagefind prefixes its root-relative URLs with this path, for every part of the index.
  var root = new URL(box.getAttribute("data-root") || "../", window.location.href).pathname;
  // Pagefind's input has a placeholder but no label: tie the page's label to it.
  function label() {
    var input = box.querySelector("input[type='text'], input[type='search'], input:not([type])");
    if (!input) return false;
    input.id = "search-input";
    var text = document.getElementById("search-label");
    text.setAttribute("for", "search-input");
    text.hidden = false;
    return true;
  }

  function start(others) {
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle,
      baseUrl: root,
      mergeIndex: others.map(function (path) { return { bundlePath: root + path, baseUrl: root }; }),
      showSubResults: true,
      showImages: false,
      resetStyles: false
    });
    if (!label() && window.MutationObserver) {
      var watch = new MutationObserver(function () {
        if (label()) watch.disconnect();
      });
      watch.observe(box, { childList: true, subtree: true });
    }
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) {
      ui.triggerSearch(q);
    }
  }

  fetch(bundle + "parts.json")
    .then(function (response) { return response.ok ? response.json() : { merge: [] }; })
    .then(function (parts) { start(Array.isArray(parts.merge) ? parts.merge : []); })
    .catch(function () { start([]); });
})();
