// Live countdowns: every [data-due] element shows the time left, or how late it is, in the
// page's language ("через 3 ч 20 мин", "просрочено на 1 д 17 ч"; "in 3 h 20 min").
(function () {
  function format(ms, units) {
    const [d, h, min] = units.split(" ");
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    if (days) return days + " " + d + " " + hours + " " + h;
    if (hours) return hours + " " + h + " " + rest + " " + min;
    return rest + " " + min;
  }
  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      if (!el.dataset.due) return;
      const left = Date.parse(el.dataset.due) - Date.now();
      const units = el.dataset.units || "d h min";
      el.textContent = (left < 0 ? el.dataset.overdue : el.dataset.left) + " " + format(left, units);
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 4 * 3600 * 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();

// The queue's "select all" box ticks every case on the page for a bulk action.
document.addEventListener("DOMContentLoaded", function () {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
  });
});
