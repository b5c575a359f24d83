// Start Pagefind's search UI on the search page; a ?q= from the header form runs at once.
// A big site's index comes in parts (pagefind/parts.json names the others): Pagefind merges
// them into one list of results (its mergeIndex option).
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  if (typeof window.PagefindUI !== "function") {
    document.getElementById("search-missing").hidden = false;
    return;
  }
  var bundle = box.getAttribute("data-bundle");
  // From the host's root, as the UI makes the first bundle's path: Pagefind takes a bundle's
  // pages to live where the bundle's folder does (the site's root, under any sub-path).
  var root = new URL(bundle.replace(/pagefind\/$/, ""), window.location.href).pathname;

  function start(others) {
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle,
      mergeIndex: others.map(function (path) { return { bundlePath: root + path }; }),
      showSubResults: true,
      showImages: false,
      resetStyles: false
    });
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
