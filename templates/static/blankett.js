// Pappersanmälan smittskydd: small improvements on top of pages that work without JavaScript.
// Served from the site itself (the Content-Security-Policy allows no inline script).
"use strict";

(function () {
  // Lower case without diacritics, as the server folds names ("Mässling" -> "massling").
  function fold(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/æ/g, "a").replace(/ø/g, "o").replace(/\s+/g, " ").trim();
  }

  // The disease list: filter as the user types; the server's search (?q=) stays for browsers without script.
  function diseaseFilter() {
    var input = document.getElementById("q");
    var list = document.getElementById("sjukdomar");
    var status = document.getElementById("traffar");
    if (!input || !list) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-sok]"));
    var groups = Array.prototype.slice.call(list.querySelectorAll(".grupp"));
    var letters = list.querySelector(".bokstaver");
    var timer = null;
    function apply() {
      var q = fold(input.value);
      var seen = {};
      var shown = 0;
      items.forEach(function (li) {
        var match = q === "" || li.getAttribute("data-sok").indexOf(q) !== -1;
        var radio = li.querySelector("input");
        var id = radio ? radio.value : "";
        // When searching, each disease once (it is listed under "Vanliga" and under its letter).
        var duplicate = q !== "" && seen[id];
        li.hidden = !match || duplicate;
        if (match && !duplicate) { seen[id] = true; shown += 1; }
      });
      groups.forEach(function (g) {
        g.hidden = !g.querySelector("li[data-sok]:not([hidden])");
      });
      if (letters) { letters.hidden = q !== ""; }
      if (status) {
        status.textContent = q === "" ? "" :
          (shown === 1 ? "1 sjukdom passar." : shown + " sjukdomar passar.");
      }
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); apply(); }
    });
    if (input.value) { apply(); }
  }

  // The error summary takes focus so that a screen reader announces it and the keyboard starts there.
  function focusSummary() {
    var summary = document.getElementById("felsammanfattning") || document.getElementById("meddelande");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
      summary.focus();
    }
  }

  // Luhn check digit over YYMMDDNNN, as the server checks it.
  function luhnOk(digits12) {
    var d = digits12.slice(2);
    var sum = 0;
    for (var i = 0; i < 9; i++) {
      var v = (d.charCodeAt(i) - 48) * (i % 2 === 0 ? 2 : 1);
      sum += Math.floor(v / 10) + (v % 10);
    }
    return (10 - (sum % 10)) % 10 === d.charCodeAt(9) - 48;
  }

  // A hint next to personnummer fields when the check digit is wrong; the server's message is the one that counts.
  function identityHints() {
    var fields = document.querySelectorAll("input[id$='-personnummer']");
    Array.prototype.forEach.call(fields, function (input) {
      var note = document.createElement("p");
      note.className = "kontroll";
      note.id = input.id + "-kontroll";
      note.setAttribute("aria-live", "polite");
      input.parentNode.insertBefore(note, input.nextSibling);
      input.addEventListener("blur", function () {
        var digits = input.value.replace(/[\s\-+]/g, "");
        var type = document.querySelector("input[name$='.identitetstyp']:checked");
        note.textContent = "";
        if (digits === "" || (type && type.value === "reservnummer")) { return; }
        if (!/^\d{12}$/.test(digits)) {
          note.textContent = "Skriv 12 siffror: ÅÅÅÅMMDD-NNNN.";
        } else if (!luhnOk(digits)) {
          note.textContent = "Kontrollsiffran stämmer inte; kontrollera numret.";
        }
      });
    });
  }

  // How many characters each field holds, counted as the person types: more is refused by the server with the
  // same message, so nothing is ever cut without a word. No maxlength: that would cut a pasted name silently.
  function lengthLimits() {
    var fields = document.querySelectorAll("[data-max]");
    Array.prototype.forEach.call(fields, function (input) {
      var max = parseInt(input.getAttribute("data-max"), 10);
      if (!(max > 0)) { return; }
      var drops = input.hasAttribute("data-utan-skiljetecken");
      var note = document.createElement("p");
      note.className = "felmeddelande langd";
      note.id = input.id + "-langd";
      note.setAttribute("aria-live", "polite");
      note.hidden = true;
      input.parentNode.insertBefore(note, input.nextSibling);
      input.setAttribute("aria-describedby",
        ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
      function check() {
        var text = input.value.trim();
        if (drops) { text = text.replace(/[\s\-+\/.\u2013]/g, ""); }
        var n = Array.from(text).length;
        var over = n > max;
        note.hidden = !over;
        note.textContent = over ?
          "För långt: högst " + max + " tecken får plats, du har skrivit " + n + ". Förkorta texten." : "";
        if (over) { input.setAttribute("aria-invalid", "true"); }
        else if (!input.closest(".har-fel")) { input.removeAttribute("aria-invalid"); }
      }
      input.addEventListener("input", check);
      check();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    diseaseFilter();
    focusSummary();
    identityHints();
    lengthLimits();
  });
})();
