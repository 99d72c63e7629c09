/* Charts of the home and KPI pages (issue #15), drawn by ECharts (static/vendor/echarts,
   Apache-2.0) from the JSON block #kpi-chart-data; the same figures are in the tables beside
   them. A file under static/ (the CSP allows no inline script without the nonce). */
(function () {
  "use strict";
  var block = document.getElementById("kpi-chart-data");
  if (!block || typeof echarts === "undefined") { return; }
  var data = JSON.parse(block.textContent || "null");
  if (!data) { return; }
  var charts = [];

  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  var small = window.innerWidth < 480;
  make("chart-trend", {
    title: { text: data.labels.trend, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { top: 24, type: "scroll" },
    grid: { top: 64, left: 40, right: 16, bottom: 28 },
    xAxis: { type: "category", data: data.months, axisLabel: { fontSize: small ? 9 : 11 } },
    yAxis: { type: "value", min: 0, max: 100 },
    series: data.trend.map(function (s) {
      var series = { name: s.name, type: "line", connectNulls: false, data: s.data };
      if (s.target !== null) {
        series.markLine = { symbol: "none", silent: true, lineStyle: { type: "dashed" },
                            data: [{ yAxis: s.target, name: data.labels.target }], label: { show: false } };
      }
      return series;
    })
  });
  make("chart-mix", {
    title: { text: data.labels.mix, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { top: 24 },
    grid: { top: 64, left: 40, right: 16, bottom: 28 },
    xAxis: { type: "category", data: data.mix.map(function (m) { return m.name; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: (function () {
      /* one stacked bar per scheme: each tier a segment */
      var out = [];
      data.mix.forEach(function (m, i) {
        m.data.forEach(function (d) {
          var row = data.mix.map(function () { return null; });
          row[i] = d.value;
          out.push({ name: d.name, type: "bar", stack: "mix", data: row });
        });
      });
      return out;
    }())
  });
  function pie(id, title, values) {
    var any = values.some(function (v) { return v.value > 0; });
    make(id, {
      title: { text: title, subtext: any ? "" : data.labels.no_data, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: small ? ["30%", "55%"] : ["35%", "65%"], top: 30,
                 data: values.filter(function (v) { return v.value > 0; }) }]
    });
  }
  pie("chart-by-type", data.labels.by_type, data.by_type);
  pie("chart-by-class", data.labels.by_class, data.by_class);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
