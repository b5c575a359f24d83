// Put the signed token of the digest's unsubscribe link into the prepared email's subject.
(function () {
  "use strict";
  var token = new URLSearchParams(window.location.search).get("token");
  var link = document.getElementById("unsubscribe-mail");
  // Tokens are "<id>.<base64url HMAC>": anything else is ignored rather than echoed.
  if (!link || !token || !/^[0-9]+\.[A-Za-z0-9_\-]+$/.test(token)) return;
  link.href = "mailto:" + link.getAttribute("data-address") + "?subject=" + encodeURIComponent("unsubscribe " + token);
  document.getElementById("unsubscribe-ready").hidden = false;
  document.getElementById("unsubscribe-no-token").hidden = true;
  // With the search app (`policytrack serve`), its page unsubscribes in one click.
  var app = document.getElementById("unsubscribe-app");
  if (app) app.href = app.getAttribute("data-app") + "unsubscribe?token=" + encodeURIComponent(token);
})();
