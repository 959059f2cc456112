/* Hongfan's GraphiQL bootstrap: everything from this server, nothing from a CDN.
 * A signed-in admin user's session cookie works (the CSRF token comes from /auth/me and is
 * sent as X-CSRF-Token); a pasted API token is sent as "Authorization: Bearer …" instead. */
(function () {
  "use strict";
  var body = document.body;
  var endpoint = body.getAttribute("data-endpoint");
  var tokenInput = document.getElementById("hf-token");
  var who = document.getElementById("hf-who");
  var KEY = "hongfan.graphiql.token";
  var csrfToken = null;

  try { tokenInput.value = window.sessionStorage.getItem(KEY) || ""; } catch (e) { /* private mode */ }
  tokenInput.addEventListener("input", function () {
    try { window.sessionStorage.setItem(KEY, tokenInput.value.trim()); } catch (e) { /* ignore */ }
  });

  fetch("/auth/me", { credentials: "same-origin", headers: { accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (me) {
      if (me && me.user) {
        csrfToken = me.csrfToken;
        who.textContent = body.getAttribute("data-signed-in").replace("{email}", me.user.email);
      }
    })
    .catch(function () { /* anonymous */ });

  function fetcher(params, options) {
    var headers = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json;q=0.9"
    };
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) { headers[name] = extra[name]; });
    var token = tokenInput.value.trim().replace(/^Bearer\s+/i, "");
    if (token) {
      headers.authorization = "Bearer " + token;
    } else if (csrfToken) {
      headers["x-csrf-token"] = csrfToken;
    }
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(params)
    }).then(function (response) { return response.json(); });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: body.getAttribute("data-example"),
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true
  }));
})();
