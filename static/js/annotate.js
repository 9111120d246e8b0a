// Keyboard shortcuts of the annotator's pages. Without JavaScript the buttons and radio buttons
// are plain forms; this only adds keys: Y / M / N (or 1 / 2 / 3) answer.
(function () {
  "use strict";
  var keys = { y: "yes", m: "maybe", n: "no", 1: "yes", 2: "maybe", 3: "no" };
  function typing(event) {
    var tag = event.target && event.target.tagName;
    return event.ctrlKey || event.metaKey || event.altKey || tag === "INPUT" && event.target.type === "text" || tag === "TEXTAREA";
  }
  var single = document.getElementById("answer-form");
  if (single) {
    document.addEventListener("keydown", function (event) {
      var answer = keys[event.key && event.key.toLowerCase()];
      if (!answer || typing(event)) return;
      var button = single.querySelector('button[value="' + answer + '"]');
      if (button) { event.preventDefault(); button.click(); }
    });
  }
  var grid = document.getElementById("grid-form");
  if (grid) {
    var cards = Array.prototype.slice.call(grid.querySelectorAll(".grid-card"));
    var current = function () {
      var inside = cards.filter(function (c) { return c.contains(document.activeElement); })[0];
      return inside || cards.filter(function (c) { return !c.querySelector("input:checked"); })[0] || cards[0];
    };
    document.addEventListener("keydown", function (event) {
      var answer = keys[event.key && event.key.toLowerCase()];
      if (!answer || typing(event) || !cards.length) return;
      event.preventDefault();
      var card = current();
      card.querySelector('input[value="' + answer + '"]').checked = true;
      card.classList.add("answered");
      var next = cards[cards.indexOf(card) + 1];
      (next || grid.querySelector('button[type="submit"]')).focus();
    });
  }
})();
