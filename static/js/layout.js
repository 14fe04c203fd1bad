/* Layout helpers that CSS alone cannot do, for every page:
 * - `table.stack` (form tables) stack into one block per row on narrow screens; each cell is
 *   labelled with its column's header (data-label, shown by CSS), also for rows added later.
 * - a table that scrolls sideways inside its own box gets keyboard focus (tabindex) and a name
 *   so keyboard users can scroll it too.
 * - `form[data-autosubmit]` submits when one of its selects changes (the filters).
 * - the top bar's Menu button opens and closes the links on narrow screens (aria-expanded;
 *   Escape or a click elsewhere closes it and gives focus back to the button). */
(function () {
  "use strict";
  function labelCells(table) {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.cells).forEach((cell, i) => {
        // data-label="": none; a row heading (th) is a label itself
        if (heads[i] && cell.tagName === "TD" && !("label" in cell.dataset)) cell.dataset.label = heads[i];
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

  function topbarMenu() {
    const bar = document.getElementById("topbar");
    const button = document.getElementById("menu-button");
    const menu = document.getElementById("topbar-menu");
    if (!bar || !button || !menu) return;
    const setOpen = (open) => {
      menu.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
    };
    bar.classList.add("has-menu");
    button.hidden = false;
    button.addEventListener("click", () => setOpen(!menu.classList.contains("open")));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        setOpen(false);
        button.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (menu.classList.contains("open") && !bar.contains(event.target)) setOpen(false);
    });
    // The page the reader is on, for screen readers and at a glance.
    const here = window.location.pathname;
    const current = Array.from(menu.querySelectorAll("nav a"))
      .filter((link) => here.startsWith(link.getAttribute("href")))
      .sort((a, b) => b.getAttribute("href").length - a.getAttribute("href").length)[0];
    if (current) current.setAttribute("aria-current", "page");
  }
  topbarMenu();
})();
