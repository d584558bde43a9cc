// Live countdowns: every [data-due] element shows the time left, or how late it is.
(function () {
  function format(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    return (days ? days + "d " : "") + hours + "h " + String(rest).padStart(2, "0") + "m";
  }
  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      if (!el.dataset.due) return;
      const left = Date.parse(el.dataset.due) - Date.now();
      el.textContent = left < 0 ? el.dataset.overdue + " " + format(left) : format(left);
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 4 * 3600 * 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
