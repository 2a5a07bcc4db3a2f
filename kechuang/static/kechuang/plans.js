// The plans dashboard: a status pie and one small trend chart per indicator (actual values
// against the target path). Data comes from <script type="application/json" id="plan-charts">.
(function () {
  "use strict";
  var source = document.getElementById("plan-charts");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var charts = [];
  var pieBox = document.getElementById("status-pie");
  if (pieBox && data.pie && data.pie.length) {
    var pie = echarts.init(pieBox, null, { renderer: "svg" });
    pie.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["45%", "75%"], data: data.pie, label: { formatter: "{b} {c}" } }]
    });
    charts.push(pie);
  }
  (data.charts || []).forEach(function (c) {
    var box = document.getElementById("trend-" + c.code);
    if (!box) return;
    var chart = echarts.init(box, null, { renderer: "svg" });
    var series = [{ name: box.dataset.actual || "actual", type: "line", data: c.values, connectNulls: true,
                    symbolSize: 6, lineStyle: { color: c.colour, width: 2 }, itemStyle: { color: c.colour } }];
    if (c.path && c.path.length) {
      series.push({ name: box.dataset.path || "target path", type: "line", data: c.path, connectNulls: false,
                    symbol: "none", lineStyle: { type: "dashed", color: "#6c757d" } });
    }
    chart.setOption({
      animation: false,
      grid: { left: 44, right: 8, top: 10, bottom: 22 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: c.years, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", scale: true, axisLabel: { fontSize: 10 } },
      series: series
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  if (window.bootstrap) {
    document.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) { new bootstrap.Tooltip(el); });
  }
})();
