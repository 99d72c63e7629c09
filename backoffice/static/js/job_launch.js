/* Launch-recalculation form: when the tier scheme changes, show its period format and put its
 * default period (the last complete quarter or year) in the field, unless the user typed one. */
(function () {
  "use strict";
  var scheme = document.getElementById("scheme");
  var period = document.getElementById("period");
  var hint = document.getElementById("period-hint");
  if (!scheme || !period) { return; }
  var lastDefault = period.value;

  scheme.addEventListener("change", function () {
    var option = scheme.options[scheme.selectedIndex];
    var fallback = option ? option.getAttribute("data-default") || "" : "";
    if (!period.value || period.value === lastDefault) { period.value = fallback; }
    period.setAttribute("placeholder", fallback);
    lastDefault = fallback;
    if (hint && option) { hint.textContent = option.getAttribute("data-hint") || ""; }
  });
})();
