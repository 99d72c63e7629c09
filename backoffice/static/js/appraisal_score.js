// The score form's pay panel (SPEC §6): asks the server's preview (the one pay rule,
// rules/appraisal_pay.py) for the values being typed. No inline script: loaded with the CSP nonce.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form) { return; }
  var url = form.getAttribute("data-preview-url");
  var timer = null;

  function show(data) {
    var cells = form.querySelectorAll("[data-key]");
    for (var i = 0; i < cells.length; i++) {
      var key = cells[i].getAttribute("data-key");
      cells[i].textContent = data.error ? (key === "error" ? data.error : "") : (data[key] || "");
    }
  }

  function refresh() {
    var params = new URLSearchParams();
    var inputs = form.querySelectorAll(".score-input, #outcome");
    for (var i = 0; i < inputs.length; i++) { params.append(inputs[i].name, inputs[i].value); }
    fetch(url + "?" + params.toString(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* the server checks again on save */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("change", refresh);
}());
