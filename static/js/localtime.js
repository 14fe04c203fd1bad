/* Times in the reader's time zone, and live countdowns. No inline script: any page may load it.
 *  <time datetime="2026-12-06T23:00:00Z" title="2026-12-06 23:00 UTC" data-local>…</time>
 *    -> "6 Dec 2026, 23:00 CET" (the server's UTC text stays in the title, shown on hover).
 *  <span data-countdown="ISO time" data-ended="Voting has closed" data-status="id">…</span>
 *    -> "2d 03h 04m 05s left", every second; at zero it says data-ended, writes it into the
 *       element named by data-status too, and fires "jctgov:countdown-ended" (bubbles). */
(function () {
  "use strict";
  const FORMAT = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });

  function localise(root) {
    for (const node of (root || document).querySelectorAll("time[data-local]")) {
      const when = new Date(node.getAttribute("datetime"));
      if (!Number.isNaN(when.getTime())) node.textContent = FORMAT.format(when);
    }
  }

  const pad = (n) => String(n).padStart(2, "0");

  /** Milliseconds as "2d 03h 04m 05s", "3h 04m 05s" or "4m 05s". */
  function remaining(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    if (days) return `${days}d ${pad(hours)}h ${pad(minutes)}m ${pad(total % 60)}s`;
    if (hours) return `${hours}h ${pad(minutes)}m ${pad(total % 60)}s`;
    return `${minutes}m ${pad(total % 60)}s`;
  }

  function startCountdowns(root) {
    const clocks = Array.from((root || document).querySelectorAll("[data-countdown]"))
      .map((node) => ({ node, end: Date.parse(node.dataset.countdown) }))
      .filter((c) => !Number.isNaN(c.end));
    if (!clocks.length) return;
    const tick = () => {
      const now = Date.now();
      for (const clock of clocks) {
        if (clock.done) continue;
        if (now >= clock.end) {
          clock.done = true;
          clock.node.textContent = clock.node.dataset.ended || "Ended";
          const status = clock.node.dataset.status && document.getElementById(clock.node.dataset.status);
          if (status) status.textContent = clock.node.dataset.ended || "Ended";
          clock.node.dispatchEvent(new CustomEvent("jctgov:countdown-ended", { bubbles: true }));
        } else {
          clock.node.textContent = remaining(clock.end - now) + " left";
        }
      }
      if (clocks.every((c) => c.done)) window.clearInterval(timer);
    };
    const timer = window.setInterval(tick, 1000);
    tick();
  }

  localise(document);
  startCountdowns(document);
  window.jctgov = Object.assign(window.jctgov || {}, { localtime: { localise, remaining, startCountdowns } });
})();
