// Copy buttons: a button with data-copy (the text itself) or data-copy-from (the id of an input)
// puts the text on the clipboard and says so. Without JavaScript the buttons stay hidden and the
// text is still there to select by hand.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy], button[data-copy-from]");
  if (!buttons.length) return;

  function copied(status) {
    status.textContent = "Copied.";
    window.setTimeout(function () { status.textContent = ""; }, 3000);
  }

  function byHand(text, status) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) copied(status); } finally { document.body.removeChild(area); }
  }

  Array.prototype.forEach.call(buttons, function (button) {
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", status);
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = button.getAttribute("data-copy-from");
      var text = source ? document.getElementById(source).value : button.getAttribute("data-copy");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(status); }, function () { byHand(text, status); });
      } else {
        byHand(text, status);
      }
    });
  });
})();
