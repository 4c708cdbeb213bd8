// blankett, staff pages: the keyboard flow of the verification screen, the checks as one types, and the upload's
// progress. Every page works without it (plain forms); served from the site itself (no inline script by CSP).
"use strict";

(function () {
  function post(url, token, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { throw new Error(j.fel || ("Servern svarade " + r.status + ".")); }
        return j;
      });
    });
  }

  function list(ul, items) {
    if (!ul) { return; }
    ul.textContent = "";
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      ul.appendChild(li);
    });
  }

  // ---------------------------------------------------------------------------------- the verification screen
  // Enter looks at a field (accepts it, or saves the correction) and moves on; it never registers. Ctrl+Enter,
  // or the button, opens a confirmation that lists what still stops the registration or was let stand; only its
  // own key (R, not repeated) or its button registers. The server refuses a document that is not clean anyway.
  function verification() {
    var form = document.getElementById("granskning");
    if (!form) { return; }
    var api = form.getAttribute("data-api");
    var token = form.querySelector("input[name=csrf]").value;
    var fields = Array.prototype.slice.call(form.querySelectorAll(".pf"));
    var status = document.getElementById("granskningsstatus");
    var left = document.getElementById("att-titta");
    var register = document.getElementById("registrera");
    var confirmed = document.getElementById("bekraftat");
    var dialog = document.getElementById("bekrafta");

    function say(text) { if (status) { status.textContent = text; } }
    function name(pf) { return pf.getAttribute("data-field"); }
    function label(pf) { var l = pf.querySelector(".etikett"); return l ? l.textContent.trim() : name(pf); }
    function byName(field) {
      return fields.filter(function (pf) { return name(pf) === field; })[0] || null;
    }
    function valueOf(pf) {
      if (pf.getAttribute("data-kind") === "choice") {
        return Array.prototype.slice.call(pf.querySelectorAll(".pf-varde input:checked"))
          .map(function (i) { return i.value; })
          .filter(function (v) { return v !== ""; });
      }
      var input = pf.querySelector(".pf-varde input[type=text], .pf-varde textarea");
      return input ? input.value.trim() : "";
    }
    function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
    fields.forEach(function (pf) { pf.saved = valueOf(pf); });

    function inputOf(pf) {
      return pf.querySelector(".pf-varde input[type=text], .pf-varde textarea") ||
        pf.querySelector(".pf-varde input:checked") ||
        pf.querySelector(".pf-varde input[type=checkbox], .pf-varde input[type=radio]");
    }
    // The page image beside the fields follows the field being looked at.
    var pages = document.getElementById("sidbilder");
    function showPage(pf) {
      var figure = pages && pages.querySelector(".sidbild[data-page='" + pf.getAttribute("data-page") + "']");
      if (figure) { pages.scrollTop = figure.offsetTop - pages.offsetTop; }
    }
    form.addEventListener("focusin", function (ev) {
      var pf = ev.target.closest(".pf");
      if (pf) { showPage(pf); }
    });
    function focusField(pf) {
      var input = inputOf(pf);
      if (!input) { return; }
      input.focus();
      if (input.select && (input.type === "text" || input.tagName === "TEXTAREA")) { input.select(); }
      pf.scrollIntoView({ block: "center" });
    }
    function showChecks(all) {
      fields.forEach(function (pf) {
        var messages = all[name(pf)] || [];
        list(pf.querySelector(".kontroller"), messages);
        pf.classList.toggle("har-fel", messages.length > 0);
      });
    }
    function setLeft(n) { if (left && typeof n === "number") { left.textContent = String(n); } }
    function markReviewed(pf) {
      pf.classList.add("klar");
      var box = pf.querySelector("input[name=granskad]");
      if (box) { box.checked = true; box.disabled = true; }
    }
    // The field as the server has it now: value, checks, whether it still stops the registration.
    function update(pf, j) {
      if (!j.field) { return; }
      var f = j.field;
      pf.classList.toggle("rattad", !!f.corrected);
      pf.classList.toggle("hinder", !!f.obstacle);
      pf.classList.toggle("har-fel", (f.checks || []).length > 0);
      if (f.reviewed) { markReviewed(pf); }
      list(pf.querySelector(".kontroller"), f.checks || []);
      if (f.corrected) { list(pf.querySelector(".anteckningar"), []); }
      setLeft(j.fields_to_check);
    }
    // Saves the field when its value differs from the one saved; resolves true when a change was stored. One
    // request at a time per field: Enter and leaving the field must not both record the same change.
    function save(pf) {
      if (pf.busy) { return pf.busy.then(function () { return save(pf); }); }
      var value = valueOf(pf);
      if (same(value, pf.saved)) { return Promise.resolve(false); }
      pf.busy = post(api + "/falt", token, { field: name(pf), value: value }).then(function (j) {
        pf.busy = null;
        pf.saved = value;
        update(pf, j);
        say("Sparat: " + label(pf) + ".");
        return true;
      }, function (e) {
        pf.busy = null;
        throw e;
      });
      return pf.busy;
    }
    function review(pf) {
      return post(api + "/granskat", token, { fields: [name(pf)] }).then(function (j) {
        markReviewed(pf);
        pf.classList.toggle("hinder", (j.obstacles || []).some(function (o) { return o.field === name(pf); }));
        setLeft(j.fields_to_check);
      });
    }
    function open(pf) { return pf.classList.contains("titta") && !pf.classList.contains("klar"); }
    function nextField(pf) {
      var at = fields.indexOf(pf);
      var k;
      for (k = at + 1; k < fields.length; k += 1) { if (open(fields[k])) { return fields[k]; } }
      for (k = 0; k < at; k += 1) { if (open(fields[k])) { return fields[k]; } }
      return fields[at + 1] || null;
    }
    function accept(pf) {
      save(pf).then(function (changed) {
        if (!changed && open(pf)) { return review(pf).then(function () { return changed; }); }
        return changed;
      }).then(function (changed) {
        if (!changed) { say("Granskat: " + label(pf) + "."); }
        var next = nextField(pf);
        if (next) {
          focusField(next);
        } else {
          say("Sista fältet. Ctrl+Enter visar vad som återstår innan anmälan kan registreras.");
        }
      }).catch(function (e) { say(label(pf) + ": " + e.message); });
    }
    function letStand(pf) {
      var input = pf.querySelector("input[name^='undantag.']");
      var reason = input ? input.value.trim() : "";
      if (!reason) { say(label(pf) + ": skriv ett skäl för att godta felet."); if (input) { input.focus(); } return; }
      save(pf).then(function () {
        return post(api + "/undantag", token, { field: name(pf), reason: reason });
      }).then(function (j) {
        update(pf, j);
        pf.classList.add("godtagen");
        var details = pf.querySelector("details.undantag");
        if (details) {
          var p = document.createElement("p");
          p.className = "godtagen-text";
          p.textContent = "Godtaget trots kontrollen. Skäl: ”" + reason + "”";
          details.parentNode.replaceChild(p, details);
        }
        say("Godtaget med skäl: " + label(pf) + ".");
        var next = nextField(pf);
        if (next) { focusField(next); }
      }).catch(function (e) { say(label(pf) + ": " + e.message); });
    }
    function takeSuggestion(pf) {
      save(pf).then(function () {
        return post(api + "/forslag", token, { field: name(pf) });
      }).then(function (j) {
        var input = pf.querySelector(".pf-varde input[type=text], .pf-varde textarea");
        if (input && j.field) { input.value = j.field.text; }
        pf.saved = valueOf(pf);
        update(pf, j);
        var box = pf.querySelector(".forslag");
        if (box) { box.parentNode.removeChild(box); }
        say("Förslaget används: " + label(pf) + ".");
        focusField(pf);
      }).catch(function (e) { say(label(pf) + ": " + e.message); });
    }

    // ----- the confirmation
    var dialogOpen = false;
    var content = document.getElementById("bekrafta-innehall");
    var confirmButton = document.getElementById("bekrafta-registrera");
    var cancelButton = document.getElementById("bekrafta-avbryt");
    function section(title, items) {
      var wrap = document.createElement("div");
      var h = document.createElement("h3");
      h.textContent = title;
      wrap.appendChild(h);
      var ul = document.createElement("ul");
      items.forEach(function (item) { ul.appendChild(item); });
      wrap.appendChild(ul);
      return wrap;
    }
    function item(text, field) {
      var li = document.createElement("li");
      li.textContent = text + " ";
      if (field && byName(field)) {
        var go = document.createElement("button");
        go.type = "button";
        go.className = "knapp liten sekundar ga-till";
        go.textContent = "Gå till fältet";
        go.addEventListener("click", function () { closeDialog(); focusField(byName(field)); });
        li.appendChild(go);
      }
      return li;
    }
    function showReadiness(j) {
      content.textContent = "";
      var p = document.createElement("p");
      p.className = j.ready ? "kvitto" : "felmeddelande";
      p.id = j.ready ? "bekrafta-klar" : "bekrafta-hinder";
      p.textContent = j.ready ? "Alla fält är granskade." :
        "Anmälan kan inte registreras än: " + j.obstacles.length + " fält behöver göras klara.";
      content.appendChild(p);
      if (j.who_and_what && j.who_and_what.length) {
        content.appendChild(section("Anmälan gäller", j.who_and_what.map(function (l) {
          return item(l.label + " (" + l.section + "): " + l.shown, null);
        })));
      }
      if (j.obstacles.length) {
        content.appendChild(section("Att göra först", j.obstacles.map(function (o) {
          return item(o.label + " (" + o.section + "): " + o.kind_text + ". " + o.message, o.field);
        })));
      }
      if (j.overridden.length) {
        content.appendChild(section("Godtaget trots kontroll", j.overridden.map(function (o) {
          return item(o.label + ": " + o.checks.join(" ") + " Skäl: ”" + o.reason + "” (" + o.by_name + ")", null);
        })));
      }
      confirmButton.hidden = !j.ready;
      confirmButton.disabled = !j.ready;
      document.getElementById("bekrafta-hjalp").hidden = !j.ready;
    }
    function openDialog() {
      if (!dialog || dialogOpen) { return; }
      var active = document.activeElement;
      var pf = active && form.contains(active) ? active.closest(".pf") : null;
      var first = pf ? save(pf) : Promise.resolve(false);
      dialogOpen = true;
      first.then(function () {
        return fetch(api + "/redo", { credentials: "same-origin" }).then(function (r) {
          return r.json().then(function (j) { if (!r.ok) { throw new Error(j.fel || "Servern svarade " + r.status + "."); } return j; });
        });
      }).then(function (j) {
        setLeft(j.fields_to_check);
        showReadiness(j);
        dialog.returnFocus = active;
        if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
        // Focus on the heading, not on a button: a held Enter must find nothing to press.
        document.getElementById("bekrafta-rubrik").focus();
      }).catch(function (e) { dialogOpen = false; say(e.message); });
    }
    function closeDialog() {
      if (!dialogOpen) { return; }
      dialogOpen = false;
      if (dialog.close) { dialog.close(); } else { dialog.removeAttribute("open"); }
      if (dialog.returnFocus && dialog.returnFocus.focus) { dialog.returnFocus.focus(); }
    }
    function confirmNow() {
      if (!dialogOpen || confirmButton.disabled) { return; }
      confirmButton.disabled = true;
      confirmed.value = "1";
      say("Registrerar …");
      if (form.requestSubmit) { form.requestSubmit(register); } else { register.click(); }
    }
    if (dialog) {
      confirmButton.addEventListener("click", function (ev) {
        // A click (mouse, or Space on the button) is deliberate; Enter is kept from reaching here below.
        ev.preventDefault();
        confirmNow();
      });
      cancelButton.addEventListener("click", closeDialog);
      dialog.addEventListener("cancel", function (ev) { ev.preventDefault(); closeDialog(); });
      dialog.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          // Enter never confirms, held or not; it may still press "Avbryt" or "Gå till fältet".
          if (ev.target === cancelButton || ev.target.classList.contains("ga-till")) { return; }
          ev.preventDefault();
          ev.stopPropagation();
          if (!confirmButton.hidden) { say("Enter registrerar inte: tryck R eller klicka Registrera."); }
          return;
        }
        if ((ev.key === "r" || ev.key === "R") && !ev.repeat && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
          ev.preventDefault();
          confirmNow();
        }
      });
    }
    // The register button (Enter on it too) opens the confirmation; only the confirmation sends the form to
    // register, with bekraftat=1.
    form.addEventListener("submit", function (ev) {
      if (ev.submitter === register && confirmed.value !== "1") {
        ev.preventDefault();
        openDialog();
      }
    });

    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        if (dialogOpen || ev.repeat) { return; }
        if (!register) { say("Du kan inte registrera härifrån: registreringen görs av en namngiven handläggare."); return; }
        openDialog();
      }
    });
    form.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.ctrlKey || ev.metaKey || ev.altKey || ev.shiftKey) { return; }
      var t = ev.target;
      // Buttons and disclosures do what they say; the register button only opens the confirmation.
      if (t.tagName === "BUTTON" || t.tagName === "SUMMARY") { return; }
      var pf = t.closest(".pf");
      ev.preventDefault();
      if (!pf) { return; }
      if (t.name && t.name.indexOf("undantag.") === 0) { letStand(pf); return; }
      accept(pf);
    });
    form.addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b) { return; }
      var pf = b.closest(".pf");
      if (b.classList.contains("ta-forslag") && pf) { ev.preventDefault(); takeSuggestion(pf); }
      if (b.classList.contains("godta") && pf) { ev.preventDefault(); letStand(pf); }
    });
    // Tab and the mouse: a changed value is saved when the field is left; a ticked "granskad" is recorded.
    form.addEventListener("change", function (ev) {
      var pf = ev.target.closest(".pf");
      if (!pf) { return; }
      if (ev.target.name === "granskad") {
        if (ev.target.checked) { review(pf).catch(function (e) { say(label(pf) + ": " + e.message); }); }
        return;
      }
      if (ev.target.name && ev.target.name.indexOf("undantag.") === 0) { return; }
      if (ev.target.type === "radio" || ev.target.type === "checkbox") { return; }
      save(pf).catch(function (e) { say(label(pf) + ": " + e.message); });
    });
    form.addEventListener("focusout", function (ev) {
      var pf = ev.target.closest(".pf");
      if (!pf || pf.contains(ev.relatedTarget)) { return; }
      if (pf.getAttribute("data-kind") === "choice") {
        save(pf).catch(function (e) { say(label(pf) + ": " + e.message); });
      }
    });
    // The checks of intake, again, as one types.
    var timer = null;
    function check(pf) {
      var values = {};
      values[name(pf)] = valueOf(pf);
      post(api + "/kontroll", token, { values: values })
        .then(function (j) { showChecks(j.fields || {}); })
        .catch(function () { /* the checks are a help; saving reports errors */ });
    }
    form.addEventListener("input", function (ev) {
      var pf = ev.target.closest(".pf");
      if (!pf || !ev.target.name || ev.target.name.indexOf("v.") !== 0) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { check(pf); }, 250);
    });

    var first = fields.filter(open)[0] || fields[0];
    if (first) { focusField(first); }
  }

  // ----------------------------------------------------------------------------------------------- the upload
  function upload() {
    var form = document.getElementById("uppladdning");
    if (!form || !window.XMLHttpRequest) { return; }
    var box = document.getElementById("framsteg");
    var bar = document.getElementById("framsteg-matare");
    var text = document.getElementById("framsteg-text");
    var button = document.getElementById("skicka");
    form.addEventListener("submit", function (ev) {
      var file = form.querySelector("input[type=file]").files[0];
      if (!file) { return; }
      ev.preventDefault();
      var region = form.querySelector("[name=region]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", form.querySelector("input[name=csrf]").value);
      xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
      if (region) { xhr.setRequestHeader("X-Region", region.value); }
      box.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
          text.textContent = "Skickar " + file.name + ": " + Math.round(100 * e.loaded / e.total) + " %";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        text.textContent = "Filen är skickad. Sidorna läses in; en stor fil tar en stund.";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var message = doc.querySelector("#felmeddelande");
        text.textContent = message ? message.textContent : "Inläsningen misslyckades (" + xhr.status + ").";
        button.disabled = false;
      });
      xhr.addEventListener("error", function () {
        text.textContent = "Filen kom inte fram. Kontrollera anslutningen och försök igen.";
        button.disabled = false;
      });
      xhr.send(file);
    });
  }

  function start() {
    verification();
    upload();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
