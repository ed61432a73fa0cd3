/* The DUP editor (/gestione/dup/…): a search box over the plan objectives, grouped by mission. It filters the
   check boxes by code or title (accents and case ignored) and hides the missions left without a match; a
   checked objective always stays visible. Without JavaScript the box stays hidden and every objective shows. */
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function setup() {
    var box = document.querySelector("[data-dup-search]");
    var input = document.getElementById("dup-objective-search");
    var status = document.getElementById("dup-search-status");
    if (!box || !input) {
      return;
    }
    box.hidden = false;
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-dup-objective]"));
    var texts = items.map(function (item) {
      return fold(item.textContent);
    });
    var missions = Array.prototype.slice.call(document.querySelectorAll("[data-dup-mission]"));
    function apply() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item, i) {
        var checkbox = item.querySelector("input");
        var match = words.every(function (w) {
          return texts[i].indexOf(w) !== -1;
        });
        var visible = match || (checkbox && checkbox.checked);
        item.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      missions.forEach(function (mission) {
        mission.hidden = !mission.querySelector("[data-dup-objective]:not([hidden])");
      });
      status.textContent = words.length ? shown + " / " + items.length : "";
    }
    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter filters, it does not submit the DUP form
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
