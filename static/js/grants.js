/* Grants pages: the application form, milestone reports, reviews and the steward's program
 * settings. Every write is a call to /api/v1/grants/… through window.jctgov.api; amounts are
 * typed in JCT and sent as wei strings (exact BigInt conversion in window.jctgov.units). */
(function () {
  "use strict";
  const { api } = window.jctgov;
  const units = window.jctgov.units;
  const { show, describe } = window.jctgov.actions;
  const toWei = (text) => units.toWei(text).toString(); // JSON carries wei as a string

  async function call(path, body, out, button) {
    const done = button ? window.jctgov.busy(button) : () => {};
    try {
      const result = await api(path, { method: "POST", body: body || {} });
      show(out, "Done.", false);
      return result;
    } catch (err) {
      show(out, describe(err), true);
      done();
      throw err;
    }
  }

  function applicationForm(form) {
    const initialNode = document.getElementById("application-initial");
    const initial = initialNode ? JSON.parse(initialNode.textContent) : null;
    const rows = document.querySelector("#milestones tbody");
    const out = document.getElementById("apply-status");
    function cell(tr, cls, label, type) {
      const td = document.createElement("td");
      td.dataset.label = label;
      const input = document.createElement("input");
      input.className = cls;
      input.setAttribute("aria-label", "Milestone " + (rows.children.length + 1) + " " + label.toLowerCase());
      if (type) input.type = type;
      if (cls === "m-amount") input.inputMode = "decimal";
      td.append(input);
      tr.append(td);
      return input;
    }
    function addRow(milestone) {
      const tr = document.createElement("tr");
      const title = cell(tr, "m-title", "Title");
      const deliverable = cell(tr, "m-deliverable", "Deliverable");
      const amount = cell(tr, "m-amount", "Amount (JCT)");
      const due = cell(tr, "m-due", "Due date", "date");
      if (milestone) {
        title.value = milestone.title;
        deliverable.value = milestone.deliverable;
        amount.value = units.fromWei(milestone.amount);
        due.value = milestone.due_date || "";
      }
      rows.appendChild(tr);
    }
    if (initial) {
      document.getElementById("f-title").value = initial.title;
      document.getElementById("f-description").value = initial.description;
      document.getElementById("f-team").value = initial.team;
      document.getElementById("f-amount").value =
        initial.requested_amount === "0" ? "" : units.fromWei(initial.requested_amount);
      document.getElementById("f-payout").value = initial.payout_address;
      initial.milestones.forEach(addRow);
    }
    if (!rows.children.length) addRow();
    document.getElementById("add-milestone").addEventListener("click", () => addRow());
    function body() {
      const milestones = [];
      for (const tr of rows.children) {
        const title = tr.querySelector(".m-title").value.trim();
        if (!title) continue;
        milestones.push({
          title,
          deliverable: tr.querySelector(".m-deliverable").value,
          amount: toWei(tr.querySelector(".m-amount").value),
          due_date: tr.querySelector(".m-due").value || null,
        });
      }
      return {
        title: document.getElementById("f-title").value,
        description: document.getElementById("f-description").value,
        team: document.getElementById("f-team").value,
        requested_amount: toWei(document.getElementById("f-amount").value),
        payout_address: document.getElementById("f-payout").value.trim(),
        milestones,
      };
    }
    async function save(submit, button) {
      show(out, "", false);
      const done = window.jctgov.busy(button);
      try {
        const saved = initial
          ? await api("/api/v1/grants/applications/" + initial.id, { method: "PATCH", body: body() })
          : await api("/api/v1/grants/programs/" + form.dataset.program + "/applications", {
              method: "POST",
              body: body(),
            });
        if (submit) {
          try {
            await api("/api/v1/grants/applications/" + saved.id + "/submit", { method: "POST" });
          } catch (err) {
            window.location.href =
              "/grants/applications/" + saved.id + "/?error=" + encodeURIComponent(err.message);
            return;
          }
        }
        window.location.href = "/grants/applications/" + saved.id + "/";
      } catch (err) {
        show(out, describe(err), true);
        done();
      }
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save(true, document.getElementById("submit-application"));
    });
    document.getElementById("save-draft").addEventListener("click", (event) => save(false, event.currentTarget));
  }

  function reportForms() {
    for (const form of document.querySelectorAll(".report-form")) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const body = { evidence_url: form.evidence_url.value.trim(), text: form.text.value };
        try {
          await call(
            "/api/v1/grants/milestones/" + form.dataset.milestone + "/report",
            body,
            document.getElementById("action-status"),
            form.querySelector("button[type=submit]")
          );
          window.location.reload();
        } catch (err) {
          /* shown in #action-status */
        }
      });
    }
  }

  function reviewForm(review) {
    review.addEventListener("submit", async (event) => {
      event.preventDefault();
      const scores = {};
      for (const input of review.querySelectorAll(".score")) scores[input.dataset.criterion] = Number(input.value);
      try {
        await call(
          "/api/v1/grants/applications/" + review.dataset.application + "/reviews",
          { scores, comment: document.getElementById("review-comment").value },
          document.getElementById("review-status"),
          review.querySelector("button[type=submit]")
        );
        window.location.reload();
      } catch (err) {
        /* shown in #review-status */
      }
    });
  }

  // The rubric as rows: criterion, weight (1–100), the fixed 0–5 score; add and remove rows.
  // The server validates as it does the JSON (grants.services.validate_rubric).
  function rubricEditor() {
    const textarea = document.getElementById("cfg-rubric");
    const editor = document.getElementById("rubric-editor");
    if (!textarea || !editor) return null;
    let initial;
    try {
      initial = JSON.parse(textarea.value);
    } catch (err) {
      return null; // keep the textarea
    }
    const rows = document.querySelector("#rubric-rows tbody");
    const add = document.getElementById("add-criterion");
    const MAX = 10;
    const renumber = () => {
      Array.from(rows.rows).forEach((tr, i) => {
        tr.querySelector(".r-criterion").setAttribute("aria-label", "Criterion " + (i + 1));
        tr.querySelector(".r-weight").setAttribute("aria-label", "Weight of criterion " + (i + 1));
        tr.querySelector(".r-remove").setAttribute("aria-label", "Remove criterion " + (i + 1));
      });
      add.disabled = rows.rows.length >= MAX;
    };
    function addRow(item) {
      const tr = document.createElement("tr");
      const criterion = Object.assign(document.createElement("input"), { className: "r-criterion", maxLength: 64 });
      const weight = Object.assign(document.createElement("input"), { className: "r-weight", inputMode: "numeric" });
      const remove = Object.assign(document.createElement("button"), { type: "button", className: "btn btn-ghost r-remove", textContent: "Remove" });
      criterion.value = item ? item.criterion : "";
      weight.value = item ? String(item.weight) : "1";
      const cells = [[criterion, "Criterion"], [weight, "Weight", "rubric-weight"], [null, "Max score"], [remove, ""]]; // "": no label
      for (const [node, label, cls] of cells) {
        const td = document.createElement("td");
        td.dataset.label = label;
        if (cls) td.className = cls;
        if (node) td.append(node);
        else td.textContent = "5";
        tr.append(td);
      }
      remove.addEventListener("click", () => {
        const next = tr.nextElementSibling || tr.previousElementSibling;
        tr.remove();
        renumber();
        (next ? next.querySelector(".r-criterion") : add).focus();
      });
      rows.append(tr);
      renumber();
      return tr;
    }
    initial.forEach(addRow);
    add.addEventListener("click", () => addRow().querySelector(".r-criterion").focus());
    editor.hidden = false;
    document.getElementById("rubric-json-field").hidden = true;
    // A weight that is not a whole number goes as typed: the server names the error and field.
    const value = () =>
      Array.from(rows.rows).map((tr) => {
        const weight = tr.querySelector(".r-weight").value.trim();
        return { criterion: tr.querySelector(".r-criterion").value, weight: /^\d{1,3}$/.test(weight) ? Number(weight) : weight };
      });
    const showFieldError = (err) => {
      for (const input of rows.querySelectorAll("input")) input.removeAttribute("aria-invalid");
      const match = err && err.field ? /^rubric\[(\d+)\]\.(criterion|weight)$/.exec(err.field) : null;
      const row = match ? rows.rows[Number(match[1])] : null;
      if (row) row.querySelector(match[2] === "weight" ? ".r-weight" : ".r-criterion").setAttribute("aria-invalid", "true");
    };
    // Compared field by field: the stored JSON's key order is the database's (jsonb sorts them).
    const same = (a, b) => a.length === b.length && a.every((c, i) => c.criterion === b[i].criterion && c.weight === b[i].weight);
    return { value, changed: () => !same(value(), initial), showFieldError };
  }

  function configureForm(form) {
    const rubric = rubricEditor();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = document.getElementById("configure-status");
      const done = window.jctgov.busy(form.querySelector("button[type=submit]"));
      const body = {
        reviewers: document.getElementById("cfg-reviewers").value.split(/\s+/).filter(Boolean),
      };
      try {
        const max = document.getElementById("cfg-max").value;
        if (max) body.max_request = toWei(max);
        const closes = document.getElementById("cfg-closes").value;
        if (closes) body.closes_at = closes + ":00Z";
        // Sent only when edited: once reviews exist the rubric is frozen (409 rubric_locked),
        // and that must not block a change of reviewers or window.
        if (!rubric) body.rubric = JSON.parse(document.getElementById("cfg-rubric").value);
        else if (rubric.changed()) body.rubric = rubric.value();
        await api("/api/v1/grants/programs/" + form.dataset.program, { method: "PATCH", body });
        window.location.reload();
      } catch (err) {
        if (rubric) rubric.showFieldError(err);
        show(out, describe(err), true);
        done();
      }
    });
  }

  const apply = document.getElementById("apply-form");
  if (apply) applicationForm(apply);
  reportForms();
  const review = document.getElementById("review-form");
  if (review) reviewForm(review);
  const configure = document.getElementById("configure-form");
  if (configure) configureForm(configure);
  window.jctgovGrants = { toWei, fromWei: units.fromWei, call, show };
})();
