/* Answers a click or tap on the map with the same answer the lookup form gives. */
(function () {
  "use strict";
  var marker = null;

  function showAnswer(url, map, latlng, texts) {
    var region = document.getElementById("antwoord-inhoud");
    if (!region) { return; }
    region.innerHTML = "<p class=\"hint\">" + escapeHtml(texts.searching) + "</p>";
    fetch(url, { headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        region.innerHTML = html;
        if (latlng) {
          if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { title: texts.chosenPoint }).addTo(map); }
        }
        if (window.matchMedia("(max-width: 60rem)").matches) {
          document.getElementById("antwoord").focus();
        }
      })
      .catch(function () {
        region.innerHTML = "<p class=\"notice notice-error\" role=\"alert\">" + escapeHtml(texts.failed) + "</p>";
      });
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // Names come from residents, imports and CBS files: they go into the page as text nodes, never as HTML.
  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function groupPopup(props, joinUrl, texts) {
    var box = element("div");
    box.appendChild(element("strong", props.name));
    if (props.is_example) {
      box.appendChild(document.createTextNode(" "));
      box.appendChild(element("span", texts.example, "badge"));
    }
    box.appendChild(element("br"));
    var link = element("a", texts.join);
    link.href = joinUrl.replace("/0/", "/" + encodeURIComponent(props.id) + "/");
    box.appendChild(link);
    return box;
  }

  // A tooltip naming each feature of layer: a small table of label and value, built from text nodes.
  function bindTextTooltip(layer, options) {
    layer.bindTooltip(function (source) {
      var props = (source.feature && source.feature.properties) || {};
      var table = element("table");
      options.fields.forEach(function (field, i) {
        var row = table.insertRow();
        row.appendChild(element("th", options.aliases[i]));
        row.appendChild(element("td", props[field]));
      });
      return table;
    }, { sticky: true, className: "map-tooltip" });
  }

  function attachMap(map, options, groupsLayer) {
    var texts = options.texts;
    var frame = map.getContainer().closest("[data-marker]");
    if (frame) {
      var found = JSON.parse(frame.dataset.marker);
      marker = L.marker(found, { title: texts.foundAddress }).addTo(map);
      map.setView(found, 16);
    }
    if (groupsLayer && options.joinUrl) {
      groupsLayer.eachLayer(function (layer) {
        layer.bindPopup(function () { return groupPopup(layer.feature.properties, options.joinUrl, texts); });
      });
    }
    function answerAt(latlng) {
      var lat = latlng.lat.toFixed(6), lon = latlng.lng.toFixed(6);
      showAnswer(options.answerUrl + "?lat=" + lat + "&lon=" + lon, map, latlng, texts);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "?lat=" + lat + "&lon=" + lon + "#antwoord");
      }
    }
    map.on("click", function (event) { answerAt(event.latlng); });
    // A group's popup stops the click from reaching the map, so the group answers it too.
    if (groupsLayer) { groupsLayer.on("click", function (event) { answerAt(event.latlng); }); }
  }

  function attachSuggestions() {
    var input = document.querySelector("input[data-suggest]");
    var list = document.getElementById("adres-suggesties");
    if (!input || !list) { return; }
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 3) { return; }
      timer = setTimeout(function () {
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text))
          .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
          .then(function (data) {
            list.innerHTML = "";
            data.suggestions.forEach(function (name) {
              var option = document.createElement("option");
              option.value = name;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience; the form works without them */ });
      }, 250);
    });
  }

  function attachDraw(map, options, drawnItems) {
    var input = document.getElementById(options.inputId);
    if (!input) { return; }
    if (window.L && L.drawLocal) { translateDraw(L.drawLocal, options.texts); }
    var initial = input.value;
    if (initial) {
      try {
        L.geoJSON(JSON.parse(initial)).eachLayer(function (layer) {
          // MultiPolygons become separate polygons so that each part can be edited.
          if (layer.getLatLngs && layer.feature && layer.feature.geometry.type === "MultiPolygon") {
            layer.getLatLngs().forEach(function (rings) { drawnItems.addLayer(L.polygon(rings)); });
          } else {
            drawnItems.addLayer(layer);
          }
        });
        if (drawnItems.getLayers().length) { map.fitBounds(drawnItems.getBounds()); }
      } catch (e) { /* an unreadable value is checked and reported by the server */ }
    }
    var showPicked = attachPickedBuurten(map, drawnItems);
    function sync() {
      var layers = drawnItems.getLayers();
      input.value = layers.length ? JSON.stringify(drawnItems.toGeoJSON()) : "";
      var status = document.getElementById(options.inputId + "-status");
      if (status) {
        var picked = showPicked();
        status.textContent = (layers.length ? options.texts.drawn[layers.length === 1 ? 0 : 1].replace("%(parts)s", layers.length) : options.texts.nothingDrawn) +
          (picked ? " " + options.texts.picked.replace("%(num)s", picked) : "");
      }
    }
    map.on("draw:created draw:edited draw:deleted", function () { setTimeout(sync, 0); });
    document.querySelectorAll("input[name=buurten]").forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  }

  // The ticked buurten are part of the area as ticked boxes (never copied into the drawing), so the map shows
  // exactly what the form sends: a buurt is highlighted while its box is ticked. Returns a function that
  // updates the highlight and gives the number of ticked buurten.
  var PICKED_STYLE = { color: "#000000", weight: 3, dashArray: null, fillColor: "#ffbf47", fillOpacity: 0.45 };
  function attachPickedBuurten(map, drawnItems) {
    var shapes = [];
    map.eachLayer(function (layer) {
      if (!(layer instanceof L.GeoJSON)) { return; }
      layer.eachLayer(function (shape) {
        var code = shape.feature && shape.feature.properties && shape.feature.properties.code;
        var box = code && document.getElementById("buurt-" + code);
        if (box) { shapes.push({ parent: layer, shape: shape, box: box }); }
      });
    });
    return function () {
      var count = 0;
      shapes.forEach(function (item) {
        if (item.box.checked) { item.shape.setStyle(PICKED_STYLE); count += 1; } else { item.parent.resetStyle(item.shape); }
      });
      drawnItems.eachLayer(function (layer) { if (layer.bringToFront) { layer.bringToFront(); } });
      return count;
    };
  }

  function translateDraw(local, x) {
    var t = local.draw.toolbar, h = local.draw.handlers, e = local.edit.toolbar;
    t.actions.title = x.stopTitle; t.actions.text = x.stop;
    t.finish.title = x.finishTitle; t.finish.text = x.finish;
    t.undo.title = x.undo; t.undo.text = x.undo;
    t.buttons.polygon = x.polygon; t.buttons.rectangle = x.rectangle;
    h.polygon.tooltip.start = x.polygonStart; h.polygon.tooltip.cont = x.polygonCont;
    h.polygon.tooltip.end = x.polygonEnd; h.rectangle.tooltip.start = x.rectangleStart;
    h.simpleshape.tooltip.end = x.shapeEnd;
    e.actions.save.title = x.saveTitle; e.actions.save.text = x.save;
    e.actions.cancel.title = x.cancelTitle; e.actions.cancel.text = x.cancel;
    e.actions.clearAll.title = x.clearAll; e.actions.clearAll.text = x.clearAll;
    e.buttons.edit = x.edit; e.buttons.remove = x.remove;
    local.edit.handlers.edit.tooltip.text = x.editTip;
    local.edit.handlers.remove.tooltip.text = x.removeTip;
  }

  window.GeoRegistry = { attachMap: attachMap, attachDraw: attachDraw, bindTextTooltip: bindTextTooltip };
  document.addEventListener("DOMContentLoaded", attachSuggestions);
})();
