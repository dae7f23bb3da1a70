// Draws every dashboard chart from its Plotly figure (a json_script block beside it), exports
// each as a PNG or SVG that carries its title, place, date and source, and moves between the
// slides of presentation mode with the keyboard. No inline scripts or handlers: the figures
// are data, this file is the only code.
(function () {
  "use strict";

  // An exported picture: wide enough for a slide deck, with room for the title and source.
  var EXPORT_WIDTH = 1600;
  var EXPORT_EXTRA_TOP = 120;
  var EXPORT_EXTRA_BOTTOM = 110;
  var SOURCE_LINE_CHARACTERS = 150;

  function plotConfig(element) {
    var config = {
      responsive: true,
      displaylogo: false,
      displayModeBar: true, // always shown, so the picture download is visible
      // Plotly's own camera saves the plot alone; ours adds the title, place, date and source.
      modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"],
    };
    if (window.Plotly.Icons && window.Plotly.Icons.camera) {
      config.modeBarButtonsToAdd = [
        {
          name: "Download plot as a PNG",
          icon: window.Plotly.Icons.camera,
          click: function () {
            exportPicture(element, "png");
          },
        },
      ];
    }
    return config;
  }

  function fitToSlide(element, layout) {
    // A projector: fill the screen between the title and what follows the plot (legend,
    // source, footer), with type readable from the back of a hall.
    var below = 0;
    document.querySelectorAll(".js-after-plot, .rc-presentation__footer").forEach(function (part) {
      below += part.offsetHeight;
    });
    var room = window.innerHeight - element.getBoundingClientRect().top - below - 40;
    layout.height = Math.max(320, room);
    layout.font = Object.assign({}, layout.font, { size: window.innerWidth >= 1200 ? 22 : 16 });
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    if (!source || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    element.rcExportHeight = layout.height || 460;
    if (element.hasAttribute("data-present")) {
      fitToSlide(element, layout);
    }
    window.Plotly.newPlot(element, figure.data, layout, plotConfig(element)).then(function () {
      offerExports(element);
    });
  }

  // ------------------------------------------------------------ exports

  function escapeText(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function wrapped(text, width) {
    var lines = [];
    var line = "";
    String(text)
      .split(/\s+/)
      .forEach(function (word) {
        if (line && (line + " " + word).length > width) {
          lines.push(line);
          line = word;
        } else {
          line = line ? line + " " + word : word;
        }
      });
    if (line) {
      lines.push(line);
    }
    return lines.map(escapeText).join("<br>");
  }

  function legendLine(element) {
    var entries = document.querySelectorAll('[data-legend-for="' + element.id + '"] [data-colour]');
    return Array.prototype.map
      .call(entries, function (entry) {
        var colour = entry.getAttribute("data-colour");
        return '<span style="color:' + colour + '">\u25A0</span> ' + escapeText(entry.textContent.trim());
      })
      .join("    ");
  }

  function exportLayout(element) {
    var layout = JSON.parse(JSON.stringify(element.layout));
    var margin = Object.assign({ t: 60, b: 60, l: 80, r: 30 }, layout.margin);
    var drawnBottom = element._fullLayout && element._fullLayout._size ? element._fullLayout._size.b : margin.b;
    var where = [element.getAttribute("data-place"), element.getAttribute("data-date")].filter(Boolean);
    layout.title = {
      text: "<b>" + escapeText(element.getAttribute("data-title")) + "</b>",
      subtitle: { text: escapeText(where.join(" \u00B7 ")), font: { size: 20 } },
      x: 0.01,
      xanchor: "left",
      xref: "container",
      y: 0.97,
      yanchor: "top",
      yref: "container",
      font: { size: 28 },
    };
    var notes = [wrapped(element.getAttribute("data-source") || "", SOURCE_LINE_CHARACTERS), legendLine(element)];
    layout.margin = Object.assign({}, margin, { t: margin.t + EXPORT_EXTRA_TOP, b: drawnBottom + EXPORT_EXTRA_BOTTOM });
    layout.annotations = (layout.annotations || []).concat([
      {
        text: notes.filter(Boolean).join("<br>"),
        xref: "paper",
        yref: "paper",
        x: 0,
        xanchor: "left",
        y: 0,
        yanchor: "top",
        yshift: -(drawnBottom + 10),
        align: "left",
        showarrow: false,
        font: { size: 16, color: "#0b0c0c" },
      },
    ]);
    layout.height = (element.rcExportHeight || 460) + EXPORT_EXTRA_TOP + EXPORT_EXTRA_BOTTOM;
    layout.width = EXPORT_WIDTH;
    return layout;
  }

  function save(url, filename) {
    var link = document.createElement("a");
    link.href = url;
    link.download = filename;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function exportPicture(element, format) {
    var layout = exportLayout(element);
    var filename = (element.getAttribute("data-filename") || "chart") + "." + format;
    return window.Plotly.toImage(
      { data: element.data, layout: layout },
      { format: format, width: layout.width, height: layout.height, scale: format === "png" ? 2 : 1 }
    ).then(function (url) {
      save(url, filename);
    });
  }

  function offerExports(element) {
    document.querySelectorAll('.js-chart-exports[data-for="' + element.id + '"]').forEach(function (box) {
      box.querySelectorAll("[data-export]").forEach(function (button) {
        button.addEventListener("click", function () {
          exportPicture(element, button.getAttribute("data-export"));
        });
      });
      box.hidden = false;
    });
  }

  // ------------------------------------------------------------ slides by keyboard

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
    if (event.target.closest && event.target.closest("input, select, textarea, button, summary")) {
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
