// The explorers of a page without a kernel (tools/static_explorers.py): each control moves over
// the precomputed values, and the figure and readout shown are swapped for that setting's frame.
// No network, no library: the frames are files beside the page.
(function () {
  "use strict";

  function setUp(explorer) {
    var data = JSON.parse(explorer.querySelector("script.static-explorer-data").textContent);
    var controls = Array.prototype.slice.call(explorer.querySelectorAll("[data-control]"));
    var figure = explorer.querySelector("img.static-explorer-figure");
    var readout = explorer.querySelector(".static-explorer-readout");

    function key() {
      return controls.map(function (control) { return control.value; }).join(",");
    }

    function show(moved) {
      if (!(key() in data.frames)) {
        // Only one control at a time is precomputed: the others go back to their first value.
        controls.forEach(function (control, index) {
          if (control !== moved) { control.value = String(data.first[index]); }
        });
      }
      var frame = data.frames[key()];
      figure.src = data.base + "/" + frame[0];
      readout.innerHTML = frame[1];
      controls.forEach(function (control, index) {
        if (control.type !== "range") { return; }  // a select shows its own label
        var label = data.labels[index][Number(control.value)];
        control.parentNode.querySelector("output").textContent = label;
        control.setAttribute("aria-valuetext", label);
      });
    }

    controls.forEach(function (control) {
      control.addEventListener("input", function () { show(control); });
      control.addEventListener("change", function () { show(control); });
      // The arrow keys move the focused control, not reveal.js's slides.
      control.addEventListener("keydown", function (event) { event.stopPropagation(); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".static-explorer"), setUp);
})();
