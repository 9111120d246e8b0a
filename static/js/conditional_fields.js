// Show a form field only when it applies. Without this script every field is shown and its
// help text says when it applies; the server ignores values that do not apply either way.
//   data-show-when="id_test-visibility=public_subset,ladder"  shown while that control has one of the values
//   data-show-when-changed="id_deadline" data-unchanged-value="..."  shown once the control's value differs
(function () {
  "use strict";

  function bind(box, control, applies) {
    function update() {
      // A field the server complained about stays in view.
      box.hidden = !applies() && !box.querySelector(".field-error");
    }
    control.addEventListener("change", update);
    control.addEventListener("input", update);
    update();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-show-when]"), function (box) {
    var rule = box.getAttribute("data-show-when").split("=");
    var control = document.getElementById(rule[0]);
    if (!control) return;
    var values = rule[1].split(",");
    bind(box, control, function () { return values.indexOf(control.value) !== -1; });
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-show-when-changed]"), function (box) {
    var control = document.getElementById(box.getAttribute("data-show-when-changed"));
    if (!control) return;
    var unchanged = box.getAttribute("data-unchanged-value");
    bind(box, control, function () { return control.value !== unchanged; });
  });
})();
