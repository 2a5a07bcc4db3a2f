// kechuang's own script: follows a background task's progress on its page.
(function () {
  "use strict";
  var box = document.getElementById("task");
  if (!box || box.dataset.finished === "1") return;
  var url = box.dataset.statusUrl;
  function text(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (t) {
        var bar = document.getElementById("task-bar");
        bar.style.width = t.percent + "%";
        bar.textContent = t.percent + "%";
        text("task-status", t.status_display);
        text("task-count", t.done + (t.total ? " / " + t.total : ""));
        text("task-message", t.message || "");
        if (t.status === "succeeded" || t.status === "failed") {
          window.location.reload();
          return;
        }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
