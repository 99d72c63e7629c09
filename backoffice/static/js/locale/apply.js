/* Applies window.backofficeScreenLocale (zh-CN.js / zh-TW.js / en.js, loaded just before) to
   bootstrap-datepicker and select2. Registered on document ready before FAB's ab.js (which loads
   later in the page), so every picker and select FAB, or any of our scripts, builds uses it. */
(function ($) {
  $(function () {
    var loc = window.backofficeScreenLocale;
    if (!loc) { return; }
    var w = loc.words;
    if (w.datepicker && $.fn.datepicker) {
      $.fn.datepicker.dates[loc.code] = w.datepicker;
      $.fn.datepicker.defaults.language = loc.code;
      $.fn.datepicker.defaults.weekStart = w.datepicker.weekStart;
    }
    if ($.fn.select2) {
      if (w.select2 && $.fn.select2.defaults) {
        $.fn.select2.defaults.set("language", w.select2);
      }
      var original = $.fn.select2;
      $.fn.select2 = function (options) {
        if (options && typeof options === "object" && options.placeholder === "Select a State") {
          options = $.extend({}, options, { placeholder: w.placeholder });
        }
        return original.apply(this, arguments.length ? [options].concat([].slice.call(arguments, 1)) : arguments);
      };
      $.extend($.fn.select2, original);
    }
  });
})(jQuery);
