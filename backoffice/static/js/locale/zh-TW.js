/* Traditional Chinese for the scripts FAB vendors (issue #11): bootstrap-datepicker 1.10 (its
   zh-TW locale, Apache-2.0) and select2 4.0 (its zh-TW messages, MIT), plus the placeholder
   FAB's ab.js hard-codes ("Select a State"). Loaded by templates/appbuilder/navbar.html. */
(function ($) {
  var words = {
    datepicker: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      daysShort: ["週日", "週一", "週二", "週三", "週四", "週五", "週六"],
      daysMin: ["日", "一", "二", "三", "四", "五", "六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
      monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      today: "今天", monthsTitle: "選擇月份", clear: "清除",
      format: "yyyy-mm-dd", titleFormat: "yyyy年mm月", weekStart: 1
    },
    select2: {
      errorLoading: function () { return "無法載入結果。"; },
      inputTooLong: function (a) { return "請刪掉" + (a.input.length - a.maximum) + "個字元"; },
      inputTooShort: function (a) { return "請再輸入" + (a.minimum - a.input.length) + "個字元"; },
      loadingMore: function () { return "載入中…"; },
      maximumSelected: function (a) { return "你只能選擇最多" + a.maximum + "項"; },
      noResults: function () { return "沒有找到相符的項目"; },
      searching: function () { return "搜尋中…"; },
      removeAllItems: function () { return "刪除所有項目"; },
      removeItem: function () { return "刪除項目"; }
    },
    placeholder: "請選擇"
  };
  window.backofficeScreenLocale = { code: "zh-TW", words: words };
})(jQuery);
