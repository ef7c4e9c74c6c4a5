/* Niceties only: every action works without this script. */
(function () {
  "use strict";
  // Canned replies: a tap fills the reply box.
  document.querySelectorAll(".canned").forEach(function (box) {
    var target = document.getElementById(box.dataset.target);
    box.querySelectorAll("button[data-text]").forEach(function (button) {
      button.addEventListener("click", function () { if (target) { target.value = button.dataset.text; target.focus(); } });
    });
  });
  // Ticket list: show a notice when a new ticket arrives (polled every 15 s, no reload needed).
  var list = document.getElementById("ticket-list");
  if (list && window.fetch) {
    var known = parseInt(list.dataset.latest || "0", 10);
    setInterval(function () {
      fetch("/console/tickets/latest", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || data.latest <= known) { return; }
          known = data.latest;
          return fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); })
            .then(function (html) {
              var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ticket-list");
              if (fresh) { list.innerHTML = fresh.innerHTML; }
              var note = document.getElementById("new-tickets");
              if (note) { note.hidden = false; note.textContent = "有新工单"; }
            });
        })
        .catch(function () {});
    }, parseInt(list.dataset.interval || "15000", 10));
  }
  // Print button on the daily report.
  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
})();
