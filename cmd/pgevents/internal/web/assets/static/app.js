// pgevents event browser: local times and the live tail. No inline script,
// no library; every value from the server is inserted as text, never HTML.
"use strict";

(function () {
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }

  function pad(n, w) {
    var s = String(n);
    while (s.length < w) s = "0" + s;
    return s;
  }

  // localTime renders an RFC 3339 instant in the viewer's time zone:
  // 2026-11-26 14:03:07.123 (the full UTC value stays in the title).
  function localTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return null;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2) + " " +
      pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2) + "." +
      pad(d.getMilliseconds(), 3);
  }

  function localize(root) {
    var times = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var t = localTime(times[i].getAttribute("datetime"));
      if (t !== null) times[i].textContent = t;
    }
  }

  function timeElement(iso) {
    var t = document.createElement("time");
    t.setAttribute("datetime", iso);
    t.title = iso;
    t.textContent = localTime(iso) || iso;
    return t;
  }

  function link(href, text, className) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (className) a.className = className;
    return a;
  }

  function cell(row, child, className) {
    var td = document.createElement("td");
    if (className) td.className = className;
    if (typeof child === "string") td.textContent = child;
    else td.appendChild(child);
    row.appendChild(td);
    return td;
  }

  var maxRows = 500;

  function startTail(table) {
    var body = document.getElementById("tail-body");
    var status = document.getElementById("tail-status");
    var source = new EventSource(table.getAttribute("data-stream"));
    var received = 0;

    function setStatus(text, state) {
      status.textContent = text;
      status.setAttribute("data-state", state);
    }

    source.addEventListener("open", function () {
      setStatus("live", "live");
    });
    source.addEventListener("error", function () {
      setStatus(source.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…", "down");
    });
    var live = false;
    source.addEventListener("ready", function () {
      live = true; // what follows the backlog is highlighted as it arrives
    });
    source.addEventListener("failure", function (m) {
      var text = "error";
      try {
        text = JSON.parse(m.data);
      } catch (e) {
        text = "error";
      }
      setStatus(text, "down");
    });
    source.addEventListener("event", function (m) {
      var e;
      try {
        e = JSON.parse(m.data);
      } catch (err) {
        return;
      }
      var row = document.createElement("tr");
      row.className = live ? "tail-row new" : "tail-row";
      row.setAttribute("data-id", e.id);
      cell(row, timeElement(e.observed_at));
      var where = document.createElement("span");
      where.appendChild(link("/category?name=" + encodeURIComponent(e.category), e.category));
      where.appendChild(document.createTextNode(" / "));
      where.appendChild(link(e.stream_url, e.stream));
      cell(row, where);
      cell(row, String(e.position), "num");
      cell(row, link(e.url, e.name, "event-link"));
      cell(row, e.payload, "payload");
      body.insertBefore(row, body.firstChild);
      while (body.rows.length > maxRows) body.deleteRow(body.rows.length - 1);
      received++;
      table.setAttribute("data-received", String(received));
    });
    window.addEventListener("pagehide", function () {
      source.close();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localize(document);
    var tz = document.getElementById("tz");
    if (tz && zone) tz.textContent = zone;
    var table = document.getElementById("tail");
    if (table && typeof EventSource !== "undefined") startTail(table);
  });
})();
