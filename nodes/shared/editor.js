// Editor helpers shared by every node of this package. The build puts this script at the top of each
// node's .html (Node-RED loads node editors as HTML, so there is no module to import); it defines its
// namespace once, whichever node's HTML the editor reads first.
(function () {
  "use strict";
  if (window.FieldReliabilityEditor) return;

  function isNumber(v) {
    return v !== "" && v !== null && v !== undefined && isFinite(Number(v));
  }

  window.FieldReliabilityEditor = {
    isNumber: isNumber,
    /** `${ENV_VAR}`: Node-RED puts the variable's value in at deploy (the shipped templates use it for endpoints). */
    isEnvReference: function (v) {
      return /^\$\{\w+\}$/.test(String(v === undefined || v === null ? "" : v).trim());
    },
    /** Keeps a select's `${ENV_VAR}` value selectable, so opening and saving the form does not drop it. */
    keepEnvOption: function (select, current) {
      if (window.FieldReliabilityEditor.isEnvReference(current) && select.find("option").filter(function () { return this.value === current; }).length === 0) {
        select.append($("<option></option>").val(current).text(current));
      }
      select.val(current);
    },
    isPositive: function (v) {
      return isNumber(v) && Number(v) > 0;
    },
    isNonNegative: function (v) {
      return isNumber(v) && Number(v) >= 0;
    },
    /** a validator: a whole number >= min */
    wholeAtLeast: function (min) {
      return function (v) {
        return isNumber(v) && Number.isInteger(Number(v)) && Number(v) >= min;
      };
    },
    /** Fills the "State store" select with the context stores of settings.js and selects `current`. */
    // texts: the node's localised {default, notConfigured} option labels (English when absent).
    fillStoreSelect: function (select, current, texts) {
      var stores = (RED.settings.context && RED.settings.context.stores) || [];
      var defaultText = (texts && texts.default) || "default";
      var notConfiguredText = (texts && texts.notConfigured) || current + " (not configured)";
      select.append($("<option></option>").val("").text(defaultText));
      stores.forEach(function (name) {
        select.append($("<option></option>").val(name).text(name));
      });
      if (current && stores.indexOf(current) === -1) {
        select.append($("<option></option>").val(current).text(notConfiguredText));
      }
      select.val(current || "");
    },
  };
})();
