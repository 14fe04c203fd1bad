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

  function configureForm(form) {
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
        body.rubric = JSON.parse(document.getElementById("cfg-rubric").value);
        await api("/api/v1/grants/programs/" + form.dataset.program, { method: "PATCH", body });
        window.location.reload();
      } catch (err) {
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
