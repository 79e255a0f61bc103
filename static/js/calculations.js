/*
 * Hài Lòng: the browser twin of surveys/calculations.py `form_values`: the values the expressions of one
 * response read (answers without those the skip logic hides, plus calculated and metadata values) and the
 * questions shown. The server computes the same again at submission and stores what it computed.
 *
 *   HLCalculations.formValues(schema, answers, metadata, options) -> {values, shown, sections}
 *     answers: code -> value seen by expressions (HLExpressions.answerValue), for asked questions only
 *     metadata: {start, end (ms or ISO text), username, deviceid}; options.now: the clock (tests)
 */
(function (global) {
  "use strict";

  var X = global.HLExpressions;
  var NOW = ["call", "now", []];
  var TODAY = ["call", "today", []];

  function calculated(result) {
    return typeof result === "number" && isNaN(result) ? "" : result;
  }

  function metadataValue(kind, metadata, now) {
    if (kind === "start") return X.evaluate(NOW, {}, null, { now: metadata.start || now });
    if (kind === "end") return X.evaluate(NOW, {}, null, { now: metadata.end || now });
    if (kind === "today") return X.evaluate(TODAY, {}, null, { now: metadata.start || now });
    if (kind === "username") return metadata.username || "";
    if (kind === "deviceid") return metadata.deviceid || "";
    return "";
  }

  function kindOf(value) {
    if (X.isDate(value)) return "date";
    if (X.isMoment(value)) return "datetime";
    return Array.isArray(value) ? "list" : typeof value;
  }

  function same(a, b) {
    var keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every(function (key) {
      return Object.prototype.hasOwnProperty.call(b, key) && kindOf(a[key]) === kindOf(b[key]) && X.toString(a[key]) === X.toString(b[key]);
    });
  }

  function copy(values) {
    var out = {};
    Object.keys(values).forEach(function (key) { out[key] = values[key]; });
    return out;
  }

  function formValues(schema, answers, metadata, options) {
    metadata = metadata || {};
    var now = options && options.now !== undefined && options.now !== null ? options.now : Date.now();
    var at = { now: now };
    var computed = 0;
    schema.sections.forEach(function (section) {
      section.questions.forEach(function (question) {
        if (question.type === "calculate" || question.type === "meta") computed += 1;
      });
    });
    var passes = computed ? computed + 1 : 1;
    var current = copy(answers);
    var result = { values: current, shown: {}, sections: {} };
    for (var pass = 0; pass < passes; pass += 1) {
      var seen = copy(current);
      var shown = {}, sections = {};
      schema.sections.forEach(function (section) {
        var sectionOn = X.isTrue(section.relevant, seen, null, at);
        section.questions.forEach(function (question) {
          if (!sectionOn || !X.isTrue(question.relevant, seen, null, at)) {
            delete seen[question.code];
            return;
          }
          shown[question.code] = true;
          if (question.type !== "calculate" && question.type !== "meta") sections[section.code] = true;
          if (question.type === "calculate") {
            seen[question.code] = question.calculation ? calculated(X.evaluate(question.calculation, seen, null, at)) : "";
          } else if (question.type === "meta") {
            seen[question.code] = metadataValue(question.metadata, metadata, now);
          } else if (Object.prototype.hasOwnProperty.call(answers, question.code)) {
            seen[question.code] = answers[question.code];
          }
        });
      });
      result = { values: seen, shown: shown, sections: sections };
      if (same(seen, current)) break;
      current = seen;
    }
    return result;
  }

  global.HLCalculations = { formValues: formValues, text: function (value) { return X.toString(value); } };
})(typeof window !== "undefined" ? window : globalThis);
