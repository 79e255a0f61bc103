/*
 * Hài Lòng: the browser twin of surveys/expressions.py `evaluate` and surveys/expression_values.py.
 * It walks the same JSON trees the server produces with `parse`, by ODK Collect's (JavaRosa's) rules:
 * an unanswered question is "", a multi-choice answer is a list of choice names, a date is an XDate
 * (a calendar day, or a moment for date-times); dates compare and subtract as days since 1970-01-01.
 * Keep the two in step: a rule changed here must change there (and the reverse);
 * surveys/tests/test_expressions_parity.py runs one table of expressions through both under node.
 */
(function (global) {
  "use strict";

  var DAY_MS = 86400000;
  var NUMBER_CHARS = /^[-.0-9]+$/;
  var ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MIN_DAYS = -719162, MAX_DAYS = 2932896; // 0001-01-01 and 9999-12-31

  // A date (`days` since 1970-01-01, a calendar day) or a date-time (`ms` since the epoch; shown in local time).
  function XDate(days, ms) {
    this.days = days;
    this.ms = ms;
  }
  function dateOf(days) { return new XDate(days, null); }
  function momentOf(ms) { return new XDate(null, ms); }
  function isDate(value) { return value instanceof XDate && value.ms === null; }
  function isMoment(value) { return value instanceof XDate && value.ms !== null; }
  function isNumber(value) { return typeof value === "number"; }

  function pad(number, width) {
    var text = String(Math.abs(number));
    while (text.length < width) text = "0" + text;
    return (number < 0 ? "-" : "") + text;
  }

  // Local calendar fields of a date or date-time.
  function fields(value) {
    if (isDate(value)) {
      var day = new Date(value.days * DAY_MS);
      return { y: day.getUTCFullYear(), m: day.getUTCMonth() + 1, d: day.getUTCDate(), H: 0, M: 0, S: 0, ms: 0, dow: day.getUTCDay() };
    }
    var moment = new Date(value.ms);
    return {
      y: moment.getFullYear(), m: moment.getMonth() + 1, d: moment.getDate(), H: moment.getHours(), M: moment.getMinutes(),
      S: moment.getSeconds(), ms: moment.getMilliseconds(), dow: moment.getDay(), offset: -moment.getTimezoneOffset(),
    };
  }

  function calendarDays(y, m, d) { return Math.round(Date.UTC(y, m - 1, d) / DAY_MS); }

  function localDay(value) {
    if (isDate(value)) return value;
    var f = fields(value);
    return dateOf(calendarDays(f.y, f.m, f.d));
  }

  function validDate(y, m, d) {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    var check = new Date(Date.UTC(2000, m - 1, d));
    check.setUTCFullYear(y);
    return check.getUTCMonth() === m - 1 && check.getUTCDate() === d;
  }

  function parseDateText(text) {
    var match = ISO.exec(String(text).trim());
    if (!match) return null;
    var y = +match[1], m = +match[2], d = +match[3];
    if (!validDate(y, m, d)) return null;
    if (match[4] === undefined) return dateOf(calendarDays(y, m, d));
    var H = +match[4], M = +match[5], S = match[6] === undefined ? 0 : +match[6];
    if (H > 23 || M > 59 || S > 59) return null;
    var millis = match[7] === undefined ? 0 : +(match[7].slice(0, 3) + "000").slice(0, 3);
    var offset = match[8];
    if (offset === undefined) {
      var local = new Date(2000, 0, 1, H, M, S, millis);
      local.setFullYear(y, m - 1, d);
      return momentOf(local.getTime());
    }
    var utc = Date.UTC(2000, m - 1, d, H, M, S, millis);
    var shifted = new Date(utc);
    shifted.setUTCFullYear(y);
    var minutes = 0;
    if (offset !== "Z") {
      var digits = offset.slice(1).replace(":", "");
      minutes = parseInt(digits.slice(0, 2), 10) * 60 + (digits.length > 2 ? parseInt(digits.slice(2, 4), 10) : 0);
      if (offset[0] === "-") minutes = -minutes;
    }
    return momentOf(shifted.getTime() - minutes * 60000);
  }

  // --- conversions (surveys/expression_values.py) ----------------------------------------------

  function toNumber(value) {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (isNumber(value)) return value;
    if (value instanceof XDate) return localDay(value).days;
    var text = toString(value).replace(/,/g, ".").trim();
    if (!NUMBER_CHARS.test(text)) return NaN;
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(text)) return NaN;
    return parseFloat(text);
  }

  function numberText(number) {
    if (isNaN(number)) return "NaN";
    if (number === Infinity) return "Infinity";
    if (number === -Infinity) return "-Infinity";
    if (Math.abs(number) < 1e-12) return "0";
    var whole = Math.trunc(number);
    if (Math.abs(number - whole) < 1e-12 && Math.abs(number) < 2147483648) return String(whole);
    return String(number);
  }

  function toString(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (isNumber(value)) return numberText(value);
    if (isDate(value)) {
      var f = fields(value);
      return pad(f.y, 4) + "-" + pad(f.m, 2) + "-" + pad(f.d, 2);
    }
    if (isMoment(value)) {
      var t = fields(value);
      var sign = t.offset >= 0 ? "+" : "-";
      return pad(t.y, 4) + "-" + pad(t.m, 2) + "-" + pad(t.d, 2) + "T" + pad(t.H, 2) + ":" + pad(t.M, 2) + ":" + pad(t.S, 2) + "." +
        pad(t.ms, 3) + sign + pad(Math.floor(Math.abs(t.offset) / 60), 2) + ":" + pad(Math.abs(t.offset) % 60, 2);
    }
    if (Array.isArray(value)) return value.map(toString).join(" ");
    return String(value);
  }

  function toBoolean(value) {
    if (typeof value === "boolean") return value;
    if (isNumber(value)) return Math.abs(value) > 1e-12 && !isNaN(value);
    if (value instanceof XDate) return true;
    return toString(value) !== "";
  }

  function words(value) {
    if (Array.isArray(value)) return value.map(toString).filter(function (word) { return word !== ""; });
    return toString(value).split(/\s+/).filter(function (word) { return word !== ""; });
  }

  function toDate(value, keepTime) {
    if (isMoment(value)) return keepTime ? value : localDay(value);
    if (isDate(value)) {
      if (!keepTime) return value;
      var f = fields(value);
      var midnight = new Date(2000, 0, 1, 0, 0, 0, 0);
      midnight.setFullYear(f.y, f.m - 1, f.d);
      return momentOf(midnight.getTime());
    }
    if (isNumber(value) || typeof value === "boolean") {
      var days = toNumber(value);
      if (isNaN(days) || days < MIN_DAYS || days > MAX_DAYS) return NaN;
      return keepTime ? momentOf(Math.trunc(days * DAY_MS)) : dateOf(Math.trunc(days));
    }
    var parsed = parseDateText(toString(value));
    if (parsed === null) return "";
    if (keepTime) return toDate(parsed, true);
    return localDay(parsed);
  }

  function decimalDateTime(value, keepDate) {
    if (isNumber(value)) return keepDate || isNaN(value) ? value : value - Math.floor(value);
    var moment = toDate(value, true);
    if (!(moment instanceof XDate)) return moment;
    if (keepDate) return moment.ms / DAY_MS;
    var f = fields(moment);
    return (f.H * 3600000 + f.M * 60000 + f.S * 1000 + f.ms) / DAY_MS;
  }

  function formatDate(value, pattern) {
    var moment = toDate(value, true);
    if (!(moment instanceof XDate)) return "";
    var f = fields(moment);
    var codes = {
      Y: pad(f.y, 4), y: pad(f.y % 100, 2), m: pad(f.m, 2), n: String(f.m), b: MONTHS[f.m - 1], d: pad(f.d, 2), e: String(f.d),
      H: pad(f.H, 2), h: String(f.H), M: pad(f.M, 2), S: pad(f.S, 2), 3: pad(f.ms, 3), a: WEEKDAYS[f.dow],
    };
    var out = "";
    for (var i = 0; i < pattern.length; i += 1) {
      var char = pattern[i];
      if (char === "%" && i + 1 < pattern.length) {
        var code = pattern[i + 1];
        out += Object.prototype.hasOwnProperty.call(codes, code) ? codes[code] : code === "%" ? "%" : "%" + code;
        i += 1;
      } else {
        out += char;
      }
    }
    return out;
  }

  // --- operators and functions (surveys/expressions.py) ------------------------------------------

  function equal(left, right) {
    if (typeof left === "boolean" || typeof right === "boolean") return toBoolean(left) === toBoolean(right);
    if (isNumber(left) || isNumber(right)) return Math.abs(toNumber(left) - toNumber(right)) < 1e-12;
    return toString(left) === toString(right);
  }

  function compare(operator, left, right) {
    if (operator === "=" || operator === "!=") return equal(left, right) === (operator === "=");
    var a = toNumber(left), b = toNumber(right);
    switch (operator) {
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      default: return a >= b;
    }
  }

  function arithmetic(operator, a, b) {
    switch (operator) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      case "div": return a / b;
      default: return b === 0 || !isFinite(a) || isNaN(b) ? NaN : a % b; // mod, as Java's %
    }
  }

  // Half away from zero above 0 and towards zero below, on the number as written in decimal (ODK's round).
  function round(number, places) {
    if (isNaN(places)) return NaN;
    if (isNaN(number) || !isFinite(number)) return number;
    places = Math.trunc(places);
    if (Math.abs(places) > 30) return NaN;
    if (places < 0) {
      var scale = Math.pow(10, -places);
      return Math.trunc(number / scale + 0.5) * scale;
    }
    var parts = Math.abs(number).toExponential().split("e");
    var digits = parts[0].replace(".", "");
    var point = parseInt(parts[1], 10) + 1; // digits before the decimal point
    var keep = point + places; // digits kept
    if (keep >= digits.length) return number;
    if (keep < 0) return 0;
    var kept = digits.slice(0, keep);
    var next = parseInt(digits[keep], 10);
    var rest = digits.slice(keep + 1).replace(/0+$/, "");
    var up = number > 0 ? next >= 5 : next > 5 || (next === 5 && rest !== "");
    var value = up ? addOne(kept) : kept || "0";
    var result = parseFloat(value + "e" + (-places));
    return number < 0 ? -result : result;
  }

  function addOne(digits) {
    var out = digits.split("");
    for (var i = out.length - 1; i >= 0; i -= 1) {
      if (out[i] !== "9") {
        out[i] = String(+out[i] + 1);
        return out.join("");
      }
      out[i] = "0";
    }
    return "1" + out.join("");
  }

  function mathFunction(name, args) {
    var value = toNumber(args[0]);
    switch (name) {
      case "floor": return Math.floor(value);
      case "ceiling": return Math.ceil(value);
      case "abs": return Math.abs(value);
      case "pow": return Math.pow(value, toNumber(args[1]));
      case "sqrt": return Math.sqrt(value);
      case "exp": return Math.exp(value);
      case "exp10": return Math.pow(10, value);
      case "log": return Math.log(value);
      default: return Math.log10(value);
    }
  }

  function extreme(name, args) {
    var numbers = args.map(toNumber).filter(function (n) { return !isNaN(n); });
    if (!numbers.length) return NaN;
    return name === "max" ? Math.max.apply(null, numbers) : Math.min.apply(null, numbers);
  }

  function clampInt(number) { return Math.trunc(Math.max(Math.min(number, 2147483648), -2147483648)); }

  function substr(text, start, end) {
    var chars = Array.from(text);
    var length = chars.length;
    var first = toNumber(start), last = end === undefined ? length : toNumber(end);
    if (isNaN(first) || isNaN(last)) return "";
    first = clampInt(first);
    last = clampInt(last);
    if (first < 0) first += length;
    if (last < 0) last += length;
    first = Math.min(Math.max(0, first), length);
    last = Math.min(Math.max(0, last), length);
    return first <= last ? chars.slice(first, last).join("") : "";
  }

  function translate(text, source, target) {
    var from = Array.from(source), to = Array.from(target);
    return Array.from(text).map(function (char) {
      var position = from.indexOf(char);
      if (position === -1) return char;
      return position < to.length ? to[position] : "";
    }).join("");
  }

  function isEmpty(value) {
    return (isNumber(value) && isNaN(value)) || ((typeof value === "string" || Array.isArray(value)) && toString(value) === "");
  }

  function call(name, args, now) {
    switch (name) {
      case "not": return !toBoolean(args[0]);
      case "true": return true;
      case "false": return false;
      case "boolean": return toBoolean(args[0]);
      case "boolean-from-string": {
        var flag = toString(args[0]);
        return flag.toLowerCase() === "true" || flag === "1";
      }
      case "number": return toNumber(args[0]);
      case "int": {
        var value = toNumber(args[0]);
        return isFinite(value) ? Math.trunc(value) : value;
      }
      case "round": return round(toNumber(args[0]), args.length > 1 ? toNumber(args[1]) : 0);
      case "string": return toString(args[0]);
      case "pi": return Math.PI;
      case "floor": case "ceiling": case "abs": case "pow": case "sqrt": case "exp": case "exp10": case "log": case "log10":
        return mathFunction(name, args);
      case "min": case "max": return extreme(name, args);
      case "if": return toBoolean(args[0]) ? args[1] : args[2];
      case "coalesce": return isEmpty(args[0]) ? args[1] : args[0];
      case "concat": return args.map(toString).join("");
      case "join": return args.slice(1).map(toString).join(toString(args[0]));
      case "substr": return substr(toString(args[0]), args[1], args.length > 2 ? args[2] : undefined);
      case "substring-before": case "substring-after": {
        var text = toString(args[0]), part = toString(args[1]);
        var position = text.indexOf(part);
        if (position < 0) return "";
        return name === "substring-before" ? text.slice(0, position) : text.slice(position + part.length);
      }
      case "translate": return translate(toString(args[0]), toString(args[1]), toString(args[2]));
      case "contains": return toString(args[0]).indexOf(toString(args[1])) !== -1;
      case "starts-with": return toString(args[0]).indexOf(toString(args[1])) === 0;
      case "ends-with": {
        var whole = toString(args[0]), end = toString(args[1]);
        return whole.length >= end.length && whole.slice(whole.length - end.length) === end;
      }
      case "string-length": return Array.from(toString(args[0])).length;
      case "normalize-space": return words(toString(args[0])).join(" ");
      case "regex":
        try {
          return new RegExp("^(?:" + toString(args[1]) + ")$", "u").test(toString(args[0]));
        } catch (error) {
          return false;
        }
      case "selected": case "is-selected": return words(args[0]).indexOf(toString(args[1]).trim()) !== -1;
      case "count-selected": return words(args[0]).length;
      case "selected-at": {
        var names = words(args[0]), index = toNumber(args[1]);
        if (!isFinite(index)) return "";
        index = Math.trunc(index);
        return index >= 0 && index < names.length ? names[index] : "";
      }
      case "today": return localDay(momentOf(nowMs(now)));
      case "now": return momentOf(nowMs(now));
      case "date": return toDate(args[0], false);
      case "date-time": return toDate(args[0], true);
      case "decimal-date-time": return decimalDateTime(args[0], true);
      case "decimal-time": return decimalDateTime(args[0], false);
      case "format-date": case "format-date-time": return formatDate(args[0], toString(args[1]));
      default: throw new Error("Hàm không được hỗ trợ: " + name);
    }
  }

  function nowMs(now) {
    if (now === null || now === undefined) return Date.now();
    return typeof now === "number" ? now : new Date(now).getTime();
  }

  // `options.now`: the clock for today() and now() (ms or an ISO text); the device's clock without it.
  function evaluate(node, answers, current, options) {
    var now = options && options.now;
    function walk(tree) {
      if (tree === null || tree === undefined) return true;
      var kind = tree[0];
      if (kind === "lit") return tree[1];
      if (kind === "ref") {
        var value = Object.prototype.hasOwnProperty.call(answers, tree[1]) ? answers[tree[1]] : null;
        return value === null || value === undefined ? "" : value;
      }
      if (kind === "cur") return current === null || current === undefined ? "" : current;
      if (kind === "op") {
        var operator = tree[1];
        if (operator === "and") return toBoolean(walk(tree[2])) && toBoolean(walk(tree[3]));
        if (operator === "or") return toBoolean(walk(tree[2])) || toBoolean(walk(tree[3]));
        var left = walk(tree[2]), right = walk(tree[3]);
        if (["=", "!=", "<", "<=", ">", ">="].indexOf(operator) !== -1) return compare(operator, left, right);
        return arithmetic(operator, toNumber(left), toNumber(right));
      }
      var args = tree[2].map(walk);
      if ((tree[1] === "string-length" || tree[1] === "normalize-space") && !args.length) {
        args = [current === null || current === undefined ? "" : current];
      }
      return call(tree[1], args, now);
    }
    return walk(node);
  }

  function isTrue(node, answers, current, options) {
    return toBoolean(evaluate(node, answers, current, options));
  }

  // The value an expression sees for an answer of a question type: a date answer ("yyyy-mm-dd") as a date.
  function answerValue(type, raw) {
    if (type === "date" && typeof raw === "string" && raw !== "") {
      var day = parseDateText(raw);
      return day && isDate(day) ? day : raw;
    }
    return raw;
  }

  global.HLExpressions = {
    evaluate: evaluate, isTrue: isTrue, toString: toString, toNumber: toNumber, toBoolean: toBoolean,
    parseDate: parseDateText, answerValue: answerValue, XDate: XDate, isDate: isDate, isMoment: isMoment,
  };
})(typeof window !== "undefined" ? window : globalThis);
