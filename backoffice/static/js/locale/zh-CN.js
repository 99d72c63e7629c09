/* Simplified Chinese for the scripts FAB vendors (issue #11): bootstrap-datepicker 1.10 (its
   zh-CN locale, Apache-2.0) and select2 4.0 (its zh-CN messages, MIT), plus the placeholder
   FAB's ab.js hard-codes ("Select a State"). Loaded by templates/appbuilder/navbar.html. */
(function ($) {
  var words = {
    datepicker: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      daysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      daysMin: ["日", "一", "二", "三", "四", "五", "六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
      monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      today: "今天", monthsTitle: "选择月份", clear: "清除",
      format: "yyyy-mm-dd", titleFormat: "yyyy年mm月", weekStart: 1
    },
    select2: {
      errorLoading: function () { return "无法载入结果。"; },
      inputTooLong: function (a) { return "请删除" + (a.input.length - a.maximum) + "个字符"; },
      inputTooShort: function (a) { return "请再输入至少" + (a.minimum - a.input.length) + "个字符"; },
      loadingMore: function () { return "载入更多结果…"; },
      maximumSelected: function (a) { return "最多只能选择" + a.maximum + "项"; },
      noResults: function () { return "未找到结果"; },
      searching: function () { return "搜索中…"; },
      removeAllItems: function () { return "删除所有项目"; },
      removeItem: function () { return "删除项目"; }
    },
    placeholder: "请选择"
  };
  window.backofficeScreenLocale = { code: "zh-CN", words: words };
})(jQuery);
