/*
 * Hài Lòng: the entry form. One section per page with a progress bar; skip logic and constraints
 * evaluated with HLExpressions over the server's JSON trees (the server checks them again);
 * a draft kept in localStorage on every change; a finished response goes into HLQueue with its paradata
 * (seconds per section and question, answer changes, the time zone and, when the enumerator allows it on a
 * campaign that asks, the location; checked on the server by surveys/quality/paradata.py).
 */
(function () {
  "use strict";

  var form = document.getElementById("entry-form");
  if (!form) return;
  var schema = JSON.parse(document.getElementById("form-schema").textContent);
  var text = document.getElementById("entry-messages").dataset;
  var pages = Array.prototype.slice.call(form.querySelectorAll(".entry-page"));
  var draftKey = "hl-draft:" + form.dataset.draftKey;
  adoptCaseFromAddress();
  var CHOICE = ["likert5", "likert4", "single", "yes_no", "multi"];
  var questions = [];
  schema.sections.forEach(function (section) {
    section.questions.forEach(function (question) { questions.push(question); });
  });

  // Without signal, the interview page of a case not kept on the device is its quota cell's page (the
  // service worker's fallback): the case then comes from the address, its name from the call list.
  function adoptCaseFromAddress() {
    var wanted = new URLSearchParams(window.location.search).get("phan-cong");
    if (!wanted || !/^\d+$/.test(wanted) || String(schema.submit.assignment) === wanted) return;
    schema.submit.assignment = parseInt(wanted, 10);
    draftKey = "hl-draft:" + form.dataset.draftKey.replace(/:[^:]*$/, ":" + wanted);
    var cases = {};
    try {
      cases = JSON.parse(window.localStorage.getItem("hl-cases") || "{}") || {};
    } catch (error) {
      cases = {};
    }
    var person = cases[wanted];
    if (person && person.name) {
      var banner = document.createElement("div");
      banner.className = "alert alert-secondary py-2";
      banner.id = "entry-person";
      banner.textContent = text.person + ": " + person.name + (person.phone ? " · " + person.phone : "");
      form.parentNode.insertBefore(banner, form);
    }
  }

  function newUuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // A response sent back for correction opens with its answers (schema.prefill) and goes out as a
  // resubmission (schema.submit.revises) under a new uuid, through the same queue.
  var revising = Boolean(schema.submit.revises);

  function freshState() {
    var fields = revising ? JSON.parse(JSON.stringify(schema.prefill || {})) : defaultFields();
    return { uuid: newUuid(), started_at: new Date().toISOString(), started_ms: Date.now(), page: 0, fields: fields, paradata: emptyParadata() };
  }

  // A question's XLSForm default is its answer until changed (a multi-choice default lists names with spaces).
  function defaultFields() {
    var fields = {};
    questions.forEach(function (question) {
      if (question.default === undefined || question.default === null || question.default === "") return;
      fields["q-" + question.code] = question.type === "multi" ? String(question.default).split(/\s+/) : String(question.default);
    });
    return fields;
  }

  function emptyParadata() {
    return { sections: {}, questions: {}, changes: {} };
  }

  function loadDraft() {
    try {
      var draft = JSON.parse(window.localStorage.getItem(draftKey) || "null");
      return draft && draft.uuid ? draft : null;
    } catch (error) {
      return null;
    }
  }

  var state = loadDraft() || freshState();
  if (!state.paradata) state.paradata = emptyParadata(); // a draft kept before paradata existed
  var caseId = schema.submit.assignment;

  // One interview per drawn person: once this case's interview is on the device (sent or waiting), the
  // form stays closed, also when the page is reopened from the offline cache.
  function caseTaken() {
    return caseId !== null && caseId !== undefined && HLQueue.caseTaken(caseId, Number(form.dataset.servedAt || 0));
  }

  function closeForCase() {
    form.classList.add("d-none");
    var next = document.getElementById("entry-case-next");
    if (next) next.classList.remove("d-none");
  }

  // --- reading the inputs ----------------------------------------------------------------

  function inputs(name) {
    return Array.prototype.slice.call(form.querySelectorAll('[name="' + name + '"]'));
  }

  function rawValue(name) {
    var elements = inputs(name);
    if (!elements.length) return "";
    var first = elements[0];
    if (first.type === "checkbox") return elements.filter(function (el) { return el.checked; }).map(function (el) { return el.value; });
    if (first.type === "radio") {
      var checked = elements.filter(function (el) { return el.checked; })[0];
      return checked ? checked.value : "";
    }
    return first.value.trim();
  }

  function isBlank(raw) {
    return raw === "" || (Array.isArray(raw) && raw.length === 0);
  }

  function parseNumber(raw) {
    var normal = String(raw).replace(",", ".");
    return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(normal) ? parseFloat(normal) : NaN;
  }

  // The value an expression sees: a choice's name, a list of names, a number, a date, or text.
  function expressionValue(question, raw) {
    if (question.type === "number") {
      var number = parseNumber(raw);
      return isNaN(number) ? raw : number;
    }
    return HLExpressions.answerValue(question.type, raw);
  }

  // Metadata fields (static/js/calculations.js): the interview's start, the enumerator, this browser's id.
  var COMPUTED = ["calculate", "meta"];
  var wantsDevice = questions.some(function (question) { return question.metadata === "deviceid"; });
  function deviceId() {
    if (!wantsDevice) return "";
    try {
      var id = window.localStorage.getItem("hl-device-id");
      if (!id) {
        id = newUuid();
        window.localStorage.setItem("hl-device-id", id);
      }
      return id;
    } catch (error) {
      return "";
    }
  }

  // --- skip logic ----------------------------------------------------------------------------

  // Answers, skip logic, calculated and metadata values (HLCalculations, the twin of surveys/calculations.py).
  // Each run is announced as an "hl:values" event on the form, for whatever shows values in labels.
  function relevance() {
    var answers = {};
    questions.forEach(function (question) {
      if (COMPUTED.indexOf(question.type) !== -1) return;
      var raw = rawValue("q-" + question.code);
      if (!isBlank(raw)) answers[question.code] = expressionValue(question, raw);
    });
    if (window.HLCascades) HLCascades.apply(form, questions, answers); // choice_filter: only the choices it keeps
    var meta = { start: state.started_at, username: (schema.meta || {}).username || "", deviceid: deviceId() };
    var result = HLCalculations.formValues(schema, answers, meta);
    questions.forEach(function (question) {
      var box = form.querySelector('[data-question="' + question.code + '"]');
      if (box) box.classList.toggle("d-none", !result.shown[question.code]);
    });
    form.dispatchEvent(new CustomEvent("hl:values", { detail: result }));
    return { values: result.values, shown: result.shown, sections: result.sections };
  }

  function visiblePages() {
    var seen = relevance();
    return pages.filter(function (page) {
      return page.dataset.section === "_profile" || seen.sections[page.dataset.section];
    });
  }

  // --- validation (the same rules as surveys/services/responses.py) ------------------------

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // The questionnaire's own message in the chosen language (surveys/translations.py), else its main one.
  function ownText(question, key) {
    return (window.HLFormTexts && HLFormTexts.text(question.code, key)) || question[key] || "";
  }

  function checkQuestion(question, values) {
    var raw = rawValue("q-" + question.code);
    if (isBlank(raw)) return question.required ? ownText(question, "required_message") || text.required : "";
    if (question.type === "number") {
      var number = parseNumber(raw);
      if (isNaN(number)) return text.number;
      if (question.min !== null && number < question.min) return format(text.min, { min: question.min });
      if (question.max !== null && number > question.max) return format(text.max, { max: question.max });
    }
    if (question.constraint && !HLExpressions.isTrue(question.constraint, values, expressionValue(question, raw))) {
      return ownText(question, "constraint_message") || text.constraint;
    }
    return "";
  }

  function showError(code, message) {
    var box = form.querySelector('[data-question="' + code + '"]');
    var slot = form.querySelector('[data-error-for="' + code + '"]');
    if (slot) slot.textContent = message;
    if (box) box.classList.toggle("is-invalid", Boolean(message));
  }

  function validatePage(page) {
    var seen = relevance();
    var ok = true;
    questions.forEach(function (question) {
      var box = form.querySelector('[data-question="' + question.code + '"]');
      if (!box || !page.contains(box)) return;
      var message = seen.shown[question.code] ? checkQuestion(question, seen.values) : "";
      showError(question.code, message);
      if (message) ok = false;
    });
    return ok;
  }

  // --- paradata ---------------------------------------------------------------------------------
  // Seconds on each page (its section), since the previous answer for each question answered, and how
  // many times an answer given was changed. Kept in the draft, so a reload loses nothing.

  var clock = { section: null, since: Date.now(), lastAnswer: Date.now() };
  var lastValues = {};

  function addSeconds(table, code, ms) {
    table[code] = Math.round(((table[code] || 0) * 1000 + ms) / 100) / 10;
  }

  function timeSection(code) {
    var now = Date.now();
    if (clock.section) addSeconds(state.paradata.sections, clock.section, now - clock.since);
    clock.section = code;
    clock.since = now;
  }

  function noteAnswer(name) {
    if (!name || name.indexOf("q-") !== 0) return;
    var code = name.slice(2);
    var now = Date.now();
    addSeconds(state.paradata.questions, code, now - clock.lastAnswer);
    clock.lastAnswer = now;
    var value = JSON.stringify(rawValue(name));
    var before = lastValues[code];
    if (before !== undefined && before !== '""' && before !== "[]" && before !== value) {
      state.paradata.changes[code] = (state.paradata.changes[code] || 0) + 1;
    }
    lastValues[code] = value;
  }

  function rememberValues() {
    questions.forEach(function (question) { lastValues[question.code] = JSON.stringify(rawValue("q-" + question.code)); });
  }

  // The location at submission: only where the campaign asks for it and the enumerator ticked the box
  // (the browser then asks for its permission); without an answer in 10 seconds the response goes without it.
  function withLocation(body, done) {
    var consent = document.getElementById("entry-location");
    if (!consent || !consent.checked || !navigator.geolocation) return done(body);
    var finished = false;
    function finish(position) {
      if (finished) return;
      finished = true;
      if (position) {
        body.paradata.location = {
          lat: position.coords.latitude, lon: position.coords.longitude, accuracy: Math.round(position.coords.accuracy),
        };
      }
      done(body);
    }
    navigator.geolocation.getCurrentPosition(finish, function () { finish(null); }, { timeout: 10000, maximumAge: 60000 });
    window.setTimeout(function () { finish(null); }, 11000);
  }

  // --- paging and drafts ----------------------------------------------------------------------

  function render() {
    var visible = visiblePages();
    if (state.page >= visible.length) state.page = visible.length - 1;
    if (state.page < 0) state.page = 0;
    pages.forEach(function (page) { page.classList.add("d-none"); });
    visible[state.page].classList.remove("d-none");
    timeSection(visible[state.page].dataset.section);
    var percent = Math.round(((state.page + 1) / visible.length) * 100);
    var bar = document.getElementById("entry-progress");
    bar.style.width = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", String(percent));
    document.getElementById("entry-step").textContent = format(text.step, { n: state.page + 1, total: visible.length });
    var last = state.page === visible.length - 1;
    document.getElementById("entry-back").disabled = state.page === 0;
    document.getElementById("entry-next").classList.toggle("d-none", last);
    document.getElementById("entry-submit").classList.toggle("d-none", !last);
  }

  function collectFields() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken") return;
      var raw = rawValue(el.name);
      if (!isBlank(raw)) fields[el.name] = raw;
    });
    return fields;
  }

  function restoreFields(fields) {
    Object.keys(fields || {}).forEach(function (name) {
      var value = fields[name];
      inputs(name).forEach(function (el) {
        if (el.type === "radio") el.checked = el.value === value;
        else if (el.type === "checkbox") el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
        else el.value = value;
      });
    });
  }

  function saveDraft() {
    state.fields = collectFields();
    try {
      window.localStorage.setItem(draftKey, JSON.stringify(state));
      var now = new Date();
      document.getElementById("draft-status").textContent =
        text.draftSaved + " " + String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
    } catch (error) {
      // storage full or disabled: the form still works, only the draft is not kept
    }
  }

  function clearForm() {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "radio" || el.type === "checkbox") el.checked = false;
      else if (el.name && el.name !== "csrfmiddlewaretoken") el.value = "";
    });
    form.querySelectorAll(".entry-error").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
  }

  // --- submission -----------------------------------------------------------------------------

  function answerPayload(question) {
    var name = "q-" + question.code;
    if (CHOICE.indexOf(question.type) !== -1) {
      var chosen = inputs(name).filter(function (el) { return el.checked; }).map(function (el) { return parseInt(el.dataset.value, 10); });
      return question.type === "multi" ? chosen : chosen[0];
    }
    if (question.type === "number") return parseNumber(rawValue(name));
    return rawValue(name);
  }

  function buildPayload() {
    var seen = relevance();
    var answers = {};
    questions.forEach(function (question) {
      if (COMPUTED.indexOf(question.type) !== -1) return; // the server computes them again
      if (seen.shown[question.code] && !isBlank(rawValue("q-" + question.code))) answers[question.code] = answerPayload(question);
    });
    var profile = {};
    ["sex", "age_group"].forEach(function (key) {
      var value = rawValue("p-" + key);
      if (value) profile[key] = value;
    });
    var body = {
      uuid: state.uuid,
      status: "submitted",
      started_at: state.started_at,
      duration_seconds: Math.max(0, Math.min(86400, Math.round((Date.now() - state.started_ms) / 1000))),
      profile: profile,
      answers: answers,
      paradata: {
        sections: state.paradata.sections,
        questions: state.paradata.questions,
        changes: state.paradata.changes,
        tz_offset_minutes: -new Date().getTimezoneOffset(),
      },
    };
    Object.keys(schema.submit).forEach(function (key) { body[key] = schema.submit[key]; });
    if (wantsDevice) body.deviceid = deviceId();
    return body;
  }

  function showServerErrors(errors) {
    var summary = document.getElementById("entry-summary");
    var general = [];
    Object.keys(errors || {}).forEach(function (key) {
      var code = key.indexOf("answers.") === 0 ? key.slice(8) : null;
      if (code && form.querySelector('[data-error-for="' + code + '"]')) showError(code, errors[key].join(" "));
      else general.push(errors[key].join(" "));
    });
    summary.textContent = general.join(" ");
    summary.classList.toggle("d-none", general.length === 0);
  }

  function goTo(index) {
    state.page = index;
    render();
    saveDraft();
    window.scrollTo(0, 0);
  }

  document.getElementById("entry-next").addEventListener("click", function () {
    var visible = visiblePages();
    if (validatePage(visible[state.page])) goTo(state.page + 1);
  });

  document.getElementById("entry-back").addEventListener("click", function () {
    goTo(state.page - 1);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var visible = visiblePages();
    for (var i = 0; i < visible.length; i += 1) {
      if (!validatePage(visible[i])) {
        goTo(i);
        var summary = document.getElementById("entry-summary");
        summary.textContent = text.fix;
        summary.classList.remove("d-none");
        return;
      }
    }
    timeSection(null); // the last page's time, up to now
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    withLocation(buildPayload(), queueResponse);
  });

  function queueResponse(body) {
    form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
    HLQueue.add({ url: form.dataset.submitUrl, body: body });
    window.localStorage.removeItem(draftKey);
    var done = document.getElementById("entry-done");
    done.textContent = text.queued;
    done.classList.remove("d-none");
    document.getElementById("entry-summary").classList.add("d-none");
    if ((caseId !== null && caseId !== undefined) || revising) {
      closeForCase();
    } else if (form.dataset.mode !== "online") {
      clearForm();
      state = freshState();
      restoreFields(state.fields);
      rememberValues();
      clock.lastAnswer = Date.now();
      render();
    } else {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    }
    HLQueue.flush();
  }

  HLQueue.onResult(function (event, item, status, data) {
    if (form.dataset.mode === "online" && item.body.uuid === state.uuid) {
      if (event === "sent" || status === 409) {
        window.localStorage.removeItem(draftKey);
        window.location.href = form.dataset.doneUrl;
        return;
      }
      form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
      showServerErrors((data && data.errors) || {});
      var summary = document.getElementById("entry-summary");
      if (data && data.detail && summary.classList.contains("d-none")) {
        summary.textContent = data.detail;
        summary.classList.remove("d-none");
      }
      document.getElementById("entry-done").classList.add("d-none");
      return;
    }
    if (event === "sent") {
      var done = document.getElementById("entry-done");
      done.textContent = text.sent;
      done.classList.remove("d-none");
    }
  });

  form.addEventListener("input", function () { relevance(); saveDraft(); });
  form.addEventListener("change", function (event) { noteAnswer(event.target.name); relevance(); saveDraft(); });

  restoreFields(state.fields);
  questions.forEach(function (question) {
    if (question.read_only) inputs("q-" + question.code).forEach(function (el) { el.readOnly = true; if (el.type === "radio" || el.type === "checkbox") el.disabled = true; });
  });
  rememberValues();
  render();
  if (caseTaken()) {
    var taken = document.getElementById("entry-done");
    taken.textContent = text.caseTaken;
    taken.classList.remove("d-none");
    closeForCase();
  }
})();
