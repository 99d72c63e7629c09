/* The visit form of 今日拜访 (SPEC §5). Ours, no library; loaded with the page's CSP nonce.
   - fills the hidden latitude/longitude from the browser's geolocation when the user allows it;
   - shows the satisfaction scores only for a follow-up visit (回访).
   The time field is a native datetime-local input: nothing here touches it (issue #13). */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var status = document.getElementById("visit-location");
  var lat = form.querySelector("input[name=latitude]");
  var lon = form.querySelector("input[name=longitude]");

  function say(key) { if (status && status.dataset[key]) { status.textContent = status.dataset[key]; } }

  if (navigator.geolocation && lat && lon && !lat.value) {
    say("waiting");
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      say("found");
    }, function () { say("refused"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  var box = document.getElementById("visit-satisfaction");
  function kindChanged() {
    var chosen = form.querySelector("input[name=kind]:checked");
    if (box) { box.classList.toggle("is-hidden", !chosen || chosen.value !== "follow_up"); }
  }
  Array.prototype.forEach.call(form.querySelectorAll("input[name=kind]"), function (el) {
    el.addEventListener("change", kindChanged);
  });
  kindChanged();
}());
