// Draws every dashboard chart from its Plotly figure (a json_script block beside it), and
// moves between the slides of presentation mode with the keyboard. No inline scripts: the
// figures are data, this file is the only code.
(function () {
  "use strict";

  var PLOT_CONFIG = {
    responsive: true,
    displaylogo: false,
    displayModeBar: true, // always shown, so the PNG download is visible
    modeBarButtonsToRemove: ["select2d", "lasso2d"],
  };

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    if (!source || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    if (element.hasAttribute("data-present")) {
      // A projector: fill the screen below the title, with type readable from the back.
      layout.height = Math.max(360, window.innerHeight - element.getBoundingClientRect().top - 170);
      layout.font = Object.assign({}, layout.font, { size: 22 });
    }
    var config = Object.assign({}, PLOT_CONFIG, {
      toImageButtonOptions: { format: "png", filename: element.getAttribute("data-filename") || "chart", scale: 2 },
    });
    window.Plotly.newPlot(element, figure.data, layout, config);
  }

  var KEYS = {
    ArrowRight: ".js-next",
    PageDown: ".js-next",
    " ": ".js-next",
    ArrowLeft: ".js-previous",
    PageUp: ".js-previous",
  };

  function destination(body, key) {
    if (KEYS[key]) {
      var link = document.querySelector(KEYS[key]);
      return link ? link.getAttribute("href") : null;
    }
    var attributes = { Home: "data-first", End: "data-last", Escape: "data-exit" };
    return attributes[key] ? body.getAttribute(attributes[key]) : null;
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (event.target.closest && event.target.closest("input, select, textarea, button")) {
      return;
    }
    var target = destination(document.body, event.key);
    if (target) {
      event.preventDefault();
      window.location.assign(target);
    }
  }

  document.querySelectorAll(".js-chart").forEach(draw);
  if (document.body.hasAttribute("data-presentation")) {
    document.addEventListener("keydown", onKey);
  }
})();
