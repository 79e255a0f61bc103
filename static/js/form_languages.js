/*
 * Hài Lòng: the entry form's languages and ${…} in its texts (surveys/translations.py `browser_texts`).
 * A menu lists every language the questionnaire declares (shown when it has more than one) and starts
 * on its default language; labels, hints, choices and section titles switch to the chosen one (its
 * main text where a translation is missing). `${name}` in a label or hint shows the answer to `name`,
 * empty while that question is unanswered or skipped; refreshed on entry.js's "hl:values" event.
 */
(function (global) {
  "use strict";

  var form = document.getElementById("entry-form");
  var schemaNode = document.getElementById("form-schema");
  if (!form || !schemaNode) return;
  var texts = JSON.parse(schemaNode.textContent).texts || {};
  var languages = texts.languages || [];
  if (!languages.length) {
    global.HLFormTexts = { refresh: function () {}, text: function () { return ""; } };
    return;
  }
  var main = languages[0];
  var storageKey = "hl-language:" + form.dataset.draftKey;
  var current = texts.default || main;
  try {
    var saved = window.localStorage.getItem(storageKey);
    if (saved && languages.indexOf(saved) !== -1) current = saved;
  } catch (error) {
    // storage disabled: start on the default language
  }
  var lastValues = {};

  function pick(table) {
    if (!table) return "";
    return table[current] || table[main] || "";
  }

  function questionText(code, key) {
    var entry = (texts.questions || {})[code];
    if (!entry) return "";
    var byLanguage = entry.texts || {};
    var own = (byLanguage[current] || {})[key];
    return own || (byLanguage[main] || {})[key] || "";
  }

  function shown(value) {
    if (value === undefined || value === null) return "";
    if (Array.isArray(value)) return value.join(" ");
    return String(value);
  }

  function substitute(template, values) {
    return template.replace(/\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}/g, function (_, name) { return shown(values[name]); })
      .replace(/[ \t]{2,}/g, " ");
  }

  function refresh(values) {
    lastValues = values || {};
    Object.keys(texts.questions || {}).forEach(function (code) {
      var box = form.querySelector('[data-question="' + code + '"]');
      if (!box) return;
      var label = box.querySelector('[data-text="label"]');
      if (label) label.textContent = substitute(questionText(code, "label"), lastValues);
      var hint = box.querySelector('[data-text="hint"]');
      if (hint) {
        hint.textContent = substitute(questionText(code, "hint"), lastValues);
        hint.classList.toggle("d-none", !hint.textContent);
      }
      var choices = texts.questions[code].choices || [];
      Array.prototype.forEach.call(box.querySelectorAll("[data-choice-label]"), function (span, index) {
        if (choices[index]) span.textContent = pick(choices[index]);
      });
    });
    Object.keys(texts.sections || {}).forEach(function (code) {
      var title = form.querySelector('[data-section="' + code + '"] [data-section-title]');
      if (title) title.textContent = pick(texts.sections[code]);
    });
    document.documentElement.setAttribute("data-form-language", current);
  }

  function buildMenu() {
    if (languages.length < 2) return;
    var wrap = document.createElement("div");
    wrap.className = "d-flex align-items-center gap-2 mb-2";
    var label = document.createElement("label");
    label.className = "small text-muted";
    label.htmlFor = "entry-language";
    label.textContent = document.getElementById("entry-messages").dataset.language;
    var select = document.createElement("select");
    select.id = "entry-language";
    select.className = "form-select form-select-sm w-auto";
    languages.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      option.selected = name === current;
      select.appendChild(option);
    });
    // Not a form field: the language is no answer and stays out of the draft and the payload.
    select.addEventListener("change", function (event) {
      event.stopPropagation();
      current = select.value;
      try {
        window.localStorage.setItem(storageKey, current);
      } catch (error) {
        // storage disabled: the choice lasts for this page only
      }
      refresh(lastValues);
    });
    wrap.appendChild(label);
    wrap.appendChild(select);
    form.parentNode.insertBefore(wrap, form);
  }

  // The message a question shows in the current language ("" when it has none there or in the main one).
  function text(code, key) {
    return substitute(questionText(code, key), lastValues);
  }

  buildMenu();
  refresh({});
  // entry.js announces the answers (and calculated values) after every change.
  form.addEventListener("hl:values", function (event) { refresh((event.detail || {}).values || {}); });
  global.HLFormTexts = { refresh: refresh, text: text, language: function () { return current; } };
})(window);
