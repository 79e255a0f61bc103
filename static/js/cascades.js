/*
 * Hài Lòng: cascading selects in the entry form, the browser twin of surveys/cascades.py.
 * A question's choice_filter comes parsed from the server, each bare choice column read as
 * ${choice.<column>}; HLExpressions evaluates it with the answers so far and the choice's name and
 * columns. Choices the filter drops are hidden; a dropped choice that was ticked is unticked (as ODK
 * clears it), and the answers seen by later questions change with it.
 */
(function (global) {
  "use strict";

  var PREFIX = "choice.";

  function allowed(tree, values, choice) {
    var context = {};
    Object.keys(values).forEach(function (key) { context[key] = values[key]; });
    context[PREFIX + "name"] = choice.name;
    var columns = choice.columns || {};
    Object.keys(columns).forEach(function (key) { context[PREFIX + key] = columns[key]; });
    try {
      return global.HLExpressions.isTrue(tree, context);
    } catch (error) {
      return false;
    }
  }

  // Show only the choices each filter keeps, in question order (a filter reads earlier answers), and
  // update `values` (code → choice name or list of names) for the choices unticked here.
  function apply(form, questions, values) {
    questions.forEach(function (question) {
      if (!question.choice_filter) return;
      var box = form.querySelector('[data-question="' + question.code + '"]');
      if (!box) return;
      var inputs = Array.prototype.slice.call(box.querySelectorAll('input[name="q-' + question.code + '"]'));
      inputs.forEach(function (input, index) {
        var choice = question.choices[index];
        if (!choice) return;
        var keep = allowed(question.choice_filter, values, choice);
        var label = box.querySelector('label[for="' + input.id + '"]');
        if (label) label.classList.toggle("d-none", !keep);
        if (!keep && input.checked) input.checked = false;
      });
      var ticked = inputs.filter(function (input) { return input.checked; }).map(function (input) { return input.value; });
      if (question.type === "multi") {
        if (ticked.length) values[question.code] = ticked;
        else delete values[question.code];
      } else if (ticked.length) {
        values[question.code] = ticked[0];
      } else {
        delete values[question.code];
      }
    });
  }

  global.HLCascades = { apply: apply, allowed: allowed };
})(window);
