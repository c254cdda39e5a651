// Live SLA countdowns: every element with data-due counts down from the server's clock.
(function () {
  var serverNow = Date.parse(document.body.getAttribute("data-now"));
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();
  function fmt(ms) {
    var m = Math.floor(ms / 60000), sign = m < 0 ? "-" : "";
    m = Math.abs(m);
    var d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    if (d) return sign + d + "d" + (h < 10 ? "0" : "") + h + "h";
    return h ? sign + h + "h" + (mm < 10 ? "0" : "") + mm + "m" : sign + mm + "m";
  }
  function tick() {
    var now = Date.now() + offset;
    var cells = document.querySelectorAll("[data-due]");
    for (var i = 0; i < cells.length; i++) {
      var due = Date.parse(cells[i].getAttribute("data-due"));
      if (isNaN(due)) continue;
      var left = due - now, label = cells[i].getAttribute("data-stage-label");
      if (label === null) {
        label = cells[i].textContent.replace(/\s*-?\d+[dhm]\S*\s*$/, "");
        cells[i].setAttribute("data-stage-label", label);
      }
      cells[i].textContent = label + " " + fmt(left);
      if (left < 0) cells[i].classList.add("late");
    }
  }
  setInterval(tick, 30000);
})();

// Emergency notices: poll for new 紧急 warnings in scope and show a banner linking to each.
(function () {
  var box = document.getElementById("emergency-notices");
  if (!box || !window.fetch) return;
  var after = -1, label = box.getAttribute("data-label");
  function show(n) {
    var a = document.createElement("a");
    a.href = n.url;
    a.className = "notice emergency";
    a.textContent = label + " · #" + n.id + " · " + (n.station || "") + " · " + n.warned_at;
    box.insertBefore(a, box.firstChild);
  }
  function poll() {
    fetch("/notices/emergency?after=" + after, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        for (var i = data.notices.length - 1; i >= 0; i--) show(data.notices[i]);
        after = data.latest;
      })
      .catch(function () {});
  }
  poll();
  setInterval(poll, 3000);
})();
