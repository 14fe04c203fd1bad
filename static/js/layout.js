/* Layout helpers that CSS alone cannot do, for every page:
 * - `table.stack` (form tables) stack into one block per row on narrow screens; each cell is
 *   labelled with its column's header (data-label, shown by CSS), also for rows added later.
 * - a table that scrolls sideways inside its own box gets keyboard focus (tabindex) and a name
 *   so keyboard users can scroll it too.
 * - `form[data-autosubmit]` submits when one of its selects changes (the filters). */
(function () {
  "use strict";
  function labelCells(table) {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.cells).forEach((cell, i) => {
        if (heads[i] && !cell.dataset.label) cell.dataset.label = heads[i];
      });
    }
  }
  for (const table of document.querySelectorAll("table.stack")) {
    labelCells(table);
    new MutationObserver(() => labelCells(table)).observe(table, { childList: true, subtree: true });
  }

  function focusableWhenScrolling() {
    for (const table of document.querySelectorAll("main table:not(.stack)")) {
      const scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.tabIndex = 0;
        table.dataset.scrollFocus = "1";
        if (!table.getAttribute("aria-label")) {
          const caption = table.closest("section") && table.closest("section").querySelector("h2, h3");
          table.setAttribute("aria-label", (caption ? caption.textContent.trim() + " " : "") + "table, scrolls sideways");
        }
      } else if (!scrolls && table.dataset.scrollFocus) {
        table.removeAttribute("tabindex");
        delete table.dataset.scrollFocus;
      }
    }
  }
  focusableWhenScrolling();
  window.addEventListener("resize", focusableWhenScrolling);
  // Tables that scripts add later (quotes, previews) too, once per frame at most.
  let queued = false;
  const main = document.getElementById("main");
  if (main) {
    new MutationObserver(() => {
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(() => {
        queued = false;
        focusableWhenScrolling();
      });
    }).observe(main, { childList: true, subtree: true });
  }

  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.addEventListener("change", (event) => {
      if (event.target.matches("select")) form.requestSubmit();
    });
  }
})();
