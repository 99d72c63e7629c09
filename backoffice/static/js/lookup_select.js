/* Search-as-you-type pickers (backoffice/views/lookup.py, issue #11).
 *
 * Every <select class="ajax-lookup" data-lookup-url="/lookup/client"> becomes a select2 box that
 * asks our JSON endpoint as the user types (code, name or phone for clients) and pages through
 * the answers; the endpoint applies the user's row scope. The select holds only its current
 * value (or the blank "—"), so an add form never opens on an arbitrary first row.
 * Loaded with `defer` from the field itself, after FAB's jQuery and select2 (CSP: no inline JS). */
(function () {
  "use strict";
  function init() {
    if (!window.jQuery || !jQuery.fn.select2) { return; }
    jQuery("select.ajax-lookup").each(function () {
      var el = jQuery(this);
      if (el.data("lookupReady")) { return; }
      el.data("lookupReady", true);
      var texts = {
        noResults: el.attr("data-no-results") || "",
        searching: el.attr("data-searching") || ""
      };
      el.select2({
        width: "100%",
        allowClear: el.attr("data-allow-clear") === "true",
        placeholder: { id: "__None", text: el.attr("data-placeholder") || "" },
        minimumInputLength: 0,
        language: {
          noResults: function () { return texts.noResults; },
          searching: function () { return texts.searching; }
        },
        ajax: {
          url: el.attr("data-lookup-url"),
          dataType: "json",
          delay: 250,
          data: function (params) { return { q: params.term || "", page: params.page || 1 }; },
          processResults: function (data) { return data; }
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
