/*
 * Hài Lòng: the browser twin of surveys/expressions.py `evaluate`.
 * It walks the same JSON trees the server produces with `parse`, with the same XPath-like rules:
 * an unanswered question is "", a multi-choice answer is a list of choice names.
 * Keep the two in step: a rule changed here must change there (and the reverse).
 */
(function (global) {
  "use strict";

  var NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

  function isNumber(value) {
    return typeof value === "number";
  }

  function toNumber(value) {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (isNumber(value)) return value;
    if (Array.isArray(value)) value = value.map(String).join(" ");
    var text = String(value === null || value === undefined ? "" : value).trim();
    if (NUMBER_TEXT.test(text)) return parseFloat(text);
    var lower = text.toLowerCase();
    if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return Infinity;
    if (lower === "-inf" || lower === "-infinity") return -Infinity;
    return NaN;
  }

  function toString(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (isNumber(value)) {
      if (isNaN(value)) return "nan";
      if (value === Infinity) return "inf";
      if (value === -Infinity) return "-inf";
      return String(value);
    }
    if (Array.isArray(value)) return value.map(String).join(" ");
    return String(value);
  }

  function toBoolean(value) {
    if (typeof value === "boolean") return value;
    if (isNumber(value)) return value !== 0 && !isNaN(value);
    if (Array.isArray(value)) return value.length > 0;
    return toString(value) !== "";
  }

  function compare(operator, left, right) {
    var numeric = isNumber(left) || isNumber(right);
    if ((operator === "=" || operator === "!=") && !numeric) {
      var equal = toString(left) === toString(right);
      return operator === "=" ? equal : !equal;
    }
    var a = toNumber(left), b = toNumber(right);
    if (isNaN(a) || isNaN(b)) return operator === "!=";
    switch (operator) {
      case "=": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      default: return a >= b;
    }
  }

  function words(value) {
    if (Array.isArray(value)) return value.map(toString);
    return toString(value).split(/\s+/).filter(function (word) { return word !== ""; });
  }

  function call(name, args) {
    switch (name) {
      case "not": return !toBoolean(args[0]);
      case "selected": return words(args[0]).indexOf(toString(args[1])) !== -1;
      case "count-selected": return words(args[0]).length;
      case "string-length": return Array.from(toString(args[0])).length;
      case "number": return toNumber(args[0]);
      case "int": {
        var value = toNumber(args[0]);
        return isNaN(value) ? value : Math.trunc(value);
      }
      case "if": return toBoolean(args[0]) ? args[1] : args[2];
      case "coalesce": return toString(args[0]) !== "" ? args[0] : args[1];
      case "true": return true;
      case "false": return false;
      case "boolean": return toBoolean(args[0]);
      case "regex":
        try {
          return new RegExp("^(?:" + toString(args[1]) + ")$", "u").test(toString(args[0]));
        } catch (error) {
          return false;
        }
      case "contains": return toString(args[0]).indexOf(toString(args[1])) !== -1;
      default: throw new Error("Hàm không được hỗ trợ: " + name);
    }
  }

  function evaluate(node, answers, current) {
    if (node === null || node === undefined) return true;
    var kind = node[0];
    if (kind === "lit") return node[1];
    if (kind === "ref") {
      var value = Object.prototype.hasOwnProperty.call(answers, node[1]) ? answers[node[1]] : null;
      return value === null || value === undefined ? "" : value;
    }
    if (kind === "cur") return current === null || current === undefined ? "" : current;
    if (kind === "op") {
      var operator = node[1];
      if (operator === "and") return toBoolean(evaluate(node[2], answers, current)) && toBoolean(evaluate(node[3], answers, current));
      if (operator === "or") return toBoolean(evaluate(node[2], answers, current)) || toBoolean(evaluate(node[3], answers, current));
      var left = evaluate(node[2], answers, current), right = evaluate(node[3], answers, current);
      if (["=", "!=", "<", "<=", ">", ">="].indexOf(operator) !== -1) return compare(operator, left, right);
      var a = toNumber(left), b = toNumber(right);
      switch (operator) {
        case "+": return a + b;
        case "-": return a - b;
        case "*": return a * b;
        case "div": return b !== 0 ? a / b : NaN;
        default: return b !== 0 ? a % b : NaN; // "mod" truncates like math.fmod
      }
    }
    return call(node[1], node[2].map(function (arg) { return evaluate(arg, answers, current); }));
  }

  function isTrue(node, answers, current) {
    return toBoolean(evaluate(node, answers, current));
  }

  global.HLExpressions = { evaluate: evaluate, isTrue: isTrue };
})(window);
