/* The review queue (/gestione/collegamenti/): after a row is decided through htmx, keyboard focus moves to the
   next row's first button (or stays on the decided row when it was the last), so that a reviewer can go down
   the queue with Tab/Enter without starting again from the top of the page. Without JavaScript the buttons
   post the plain form and the page reloads. */
(function () {
  "use strict";
  var nextId = null;
  var rowId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = event.detail.target;
    if (!row || !row.closest || !row.closest("#queue tbody")) {
      return;
    }
    var next = row.nextElementSibling;
    rowId = row.id;
    nextId = next ? next.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (rowId === null) {
      return;
    }
    var target = (nextId && document.getElementById(nextId)) || document.getElementById(rowId);
    nextId = null;
    rowId = null;
    var control = target && (target.querySelector("button") || target.querySelector("a[href], input"));
    if (control) {
      control.focus();
    }
  });
})();
