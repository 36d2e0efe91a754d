// Start Swagger UI on the page's spec; add the CSRF token to session-authenticated writes.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrf = root.getAttribute("data-csrf-token");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    withCredentials: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (req) {
      var method = (req.method || "GET").toUpperCase();
      if (csrf && ["GET", "HEAD", "OPTIONS"].indexOf(method) === -1) {
        req.headers["X-CSRFToken"] = csrf;
      }
      return req;
    }
  });
})();
