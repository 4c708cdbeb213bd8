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
  function verification() {
    var form = document.getElementById("granskning");
    if (!form) { return; }
    var api = form.getAttribute("data-api");
    var token = form.querySelector("input[name=csrf]").value;
    var fields = Array.prototype.slice.call(form.querySelectorAll(".pf"));
    var status = document.getElementById("granskningsstatus");
    var left = document.getElementById("att-titta");
    var register = document.getElementById("registrera");

    function say(text) { if (status) { status.textContent = text; } }
    function name(pf) { return pf.getAttribute("data-field"); }
    function label(pf) { var l = pf.querySelector(".etikett"); return l ? l.textContent.trim() : name(pf); }
    function valueOf(pf) {
      if (pf.getAttribute("data-kind") === "choice") {
        return Array.prototype.slice.call(pf.querySelectorAll("input:checked"))
          .map(function (i) { return i.value; })
          .filter(function (v) { return v !== ""; });
      }
      var input = pf.querySelector("input[type=text], textarea");
      return input ? input.value.trim() : "";
    }
    function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
    fields.forEach(function (pf) { pf.saved = valueOf(pf); });

    function inputOf(pf) {
      return pf.querySelector("input[type=text], textarea") ||
        pf.querySelector("input:checked") ||
        pf.querySelector("input[type=checkbox], input[type=radio]");
    }
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
    function countLeft() {
      var n = fields.filter(function (pf) {
        return pf.classList.contains("titta") && !pf.classList.contains("klar");
      }).length;
      if (left) { left.textContent = String(n); }
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
        pf.classList.add("rattad");
        if (j.field) {
          list(pf.querySelector(".kontroller"), j.field.notes);
          list(pf.querySelector(".anteckningar"), []);
          pf.classList.toggle("har-fel", j.field.notes.length > 0);
        }
        say("Sparat: " + label(pf) + ".");
        return true;
      }, function (e) {
        pf.busy = null;
        throw e;
      });
      return pf.busy;
    }
    function nextToLook(pf) {
      for (var k = fields.indexOf(pf) + 1; k < fields.length; k += 1) {
        if (fields[k].classList.contains("titta") && !fields[k].classList.contains("klar")) { return fields[k]; }
      }
      return null;
    }
    function accept(pf) {
      save(pf).then(function (changed) {
        pf.classList.add("klar");
        countLeft();
        var next = nextToLook(pf);
        if (next) {
          if (!changed) { say("Godkänt: " + label(pf) + "."); }
          focusField(next);
        } else if (register) {
          register.focus();
          say("Alla fält att titta på är granskade. Ctrl+Enter registrerar.");
        }
      }).catch(function (e) { say(label(pf) + ": " + e.message); });
    }
    function registerNow(pf) {
      if (!register) { say("Du kan inte registrera härifrån."); return; }
      var first = pf ? save(pf) : Promise.resolve(false);
      first.then(function () {
        if (form.requestSubmit) { form.requestSubmit(register); } else { register.click(); }
      }).catch(function (e) { say(e.message); });
    }

    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        var active = document.activeElement;
        registerNow(active && form.contains(active) ? active.closest(".pf") : null);
      }
    });
    form.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.ctrlKey || ev.metaKey || ev.altKey || ev.shiftKey) { return; }
      var pf = ev.target.closest(".pf");
      if (!pf) { return; }
      ev.preventDefault();
      accept(pf);
    });
    // Tab and the mouse: a changed value is saved when the field is left.
    form.addEventListener("change", function (ev) {
      var pf = ev.target.closest(".pf");
      if (!pf || ev.target.type === "radio" || ev.target.type === "checkbox") { return; }
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
      if (!pf) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { check(pf); }, 250);
    });

    var first = fields.filter(function (pf) { return pf.classList.contains("titta"); })[0] || fields[0];
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
