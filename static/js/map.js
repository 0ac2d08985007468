/* Answers a click or tap on the map with the same answer the lookup form gives. */
(function () {
  "use strict";
  var marker = null;
  var OUTSIDE_STYLE = { color: "#6b3fa0", weight: 3, dashArray: "8 6", fill: true, fillOpacity: 0.08 };

  function showAnswer(url, map, latlng, texts) {
    var region = document.getElementById("antwoord-inhoud");
    if (!region) { return; }
    region.innerHTML = "<p class=\"hint\">" + escapeHtml(texts.searching) + "</p>";
    fetch(url, { headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        region.innerHTML = html;
        document.getElementById("antwoord").classList.remove("answer-empty");
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
      var outside = frame.dataset.outside ? JSON.parse(frame.dataset.outside) : null;
      if (outside) {
        // An address outside: the served area and the marker together, and the outline of the municipality
        // it lies in, rather than a lone marker on an empty background.
        if (outside.outline) { L.geoJSON(outside.outline, { style: OUTSIDE_STYLE, interactive: false }).addTo(map); }
        map.fitBounds(L.latLngBounds(outside.bounds).extend(found), { padding: [16, 16] });
      } else {
        map.setView(found, 16);
      }
    }
    if (groupsLayer && options.joinUrl) {
      groupsLayer.eachLayer(function (layer) {
        layer.bindPopup(function () { return groupPopup(layer.feature.properties, options.joinUrl, texts); });
      });
    }
    function answerAt(latlng) {
      var lat = latlng.lat.toFixed(6), lon = latlng.lng.toFixed(6);
      var point = "lat=" + lat + "&lon=" + lon;
      // The answer's URL may carry ?lang= already (a page asked for in a language keeps it on its links).
      showAnswer(options.answerUrl + (options.answerUrl.indexOf("?") < 0 ? "?" : "&") + point, map, latlng, texts);
      if (window.history && window.history.replaceState) {
        var lang = new URLSearchParams(window.location.search).get("lang");
        window.history.replaceState(null, "", "?" + point + (lang ? "&lang=" + encodeURIComponent(lang) : "") + "#antwoord");
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
        var base = input.dataset.suggest;
        fetch(base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text))
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
    var initial = input.value;
    if (initial) {
      try {
        // The area as it is now, as editable layers: one moves a few corners instead of redrawing it.
        L.geoJSON(JSON.parse(initial), { style: DRAWN_STYLE }).eachLayer(function (layer) {
          // MultiPolygons become separate polygons so that each part can be edited.
          if (layer.getLatLngs && layer.feature && layer.feature.geometry.type === "MultiPolygon") {
            layer.getLatLngs().forEach(function (rings) { drawnItems.addLayer(L.polygon(rings, DRAWN_STYLE)); });
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

  var DRAWN_STYLE = { className: "drawn-area" };

  // Runs before any other script of a map: the controls speak the page's language, the shapes are no
  // keyboard stops (the lookup and the overview are the keyboard routes; the map's controls stay reachable),
  // and a group's tooltip gives way to its popup.
  function prepareMap(map, options) {
    var texts = options.texts;
    if (L.drawLocal) { translateDraw(L.drawLocal, texts); }
    if (map.zoomControl) {
      var zoom = map.zoomControl.getContainer();
      nameButton(zoom.querySelector(".leaflet-control-zoom-in"), texts.zoomIn);
      nameButton(zoom.querySelector(".leaflet-control-zoom-out"), texts.zoomOut);
    }
    map.on("layeradd", function (event) {
      if (event.layer._path) { event.layer._path.setAttribute("tabindex", "-1"); }
    });
    map.on("popupopen", function () { L.DomUtil.addClass(map.getContainer(), "popup-open"); });
    map.on("popupclose", function () { L.DomUtil.removeClass(map.getContainer(), "popup-open"); });
  }

  function nameButton(button, name) {
    if (!button) { return; }
    button.title = name;
    button.setAttribute("aria-label", name);
  }

  // Each buurt's name as a label on the map, in its own pane under the tooltips and popups; labels that would
  // overlap a label already placed wait for a closer zoom.
  function labelBuurten(map, options) {
    var pane = map.createPane("buurtLabels");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    pane.setAttribute("aria-hidden", "true"); // the same names as the overview and the shapes' own tooltips
    var labels = options.labels.map(function (item) {
      return L.tooltip({ permanent: true, direction: "center", className: "buurt-label", pane: "buurtLabels",
                         interactive: false })
        .setLatLng([item[0], item[1]]).setContent(element("span", item[2]));
    });
    var group = L.layerGroup(labels).addTo(map);
    function declutter() {
      var placed = [];
      labels.forEach(function (label) {
        var node = label.getElement();
        if (!node) { return; }
        node.style.visibility = "";
        var box = node.getBoundingClientRect();
        var clash = placed.some(function (other) {
          return box.left < other.right && other.left < box.right && box.top < other.bottom && other.top < box.bottom;
        });
        if (clash) { node.style.visibility = "hidden"; } else { placed.push(box); }
      });
    }
    map.on("zoomend moveend resize", declutter);
    map.whenReady(function () { setTimeout(declutter, 0); });
    return group;
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
    local.edit.handlers.edit.tooltip.subtext = x.editUndo;
    e.buttons.editDisabled = x.nothingToEdit; e.buttons.removeDisabled = x.nothingToRemove;
    h.polyline.error = x.crossing;
  }

  // A register too large to embed (national size): the groups and buurten of the tiles in view, fetched as the
  // view changes (/kaart/tegels/z/x/y.json). Zoomed out a tile holds counts, shown as a number to zoom into.
  // Everything a feature carries is shown as text.
  var BUURT_STYLE = { color: "#333333", weight: 2, fillOpacity: 0.04, dashArray: "4 4" };

  function loadTiles(map, options) {
    var texts = options.texts, fetched = {}, shown = {}, zoom = null;
    var common = {
      style: function (feature) {
        var p = feature.properties;
        if (p.kind === "buurt") { return BUURT_STYLE; }
        return { color: p.colour, fillColor: p.colour, weight: options.faint ? 2 : 3,
                 fillOpacity: options.faint ? 0.12 : 0.25 };
      },
      pointToLayer: function (feature, latlng) {
        var count = feature.properties.count;
        var words = texts.groups[count === 1 ? 0 : 1].replace("%(count)s", count);
        var badge = element("span", String(count));
        badge.title = words;
        return L.marker(latlng, { icon: L.divIcon({ html: badge, className: "tile-count", iconSize: [34, 34] }),
                                  keyboard: false, title: words })
          .on("click", function () { map.setView(latlng, map.getZoom() + 2); });
      },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        if (p.kind === "count") { return; }
        shape.bindTooltip(function () {
          return element("span", (p.kind === "buurt" ? texts.buurt : texts.group) + ": " + p.name);
        }, { sticky: true, className: "map-tooltip" });
        if (p.kind === "group" && options.joinUrl) {
          shape.bindPopup(function () { return groupPopup(p, options.joinUrl, texts); });
          // A group's popup stops the click from reaching the map, so the group answers it too.
          shape.on("click", function (event) { map.fire("click", { latlng: event.latlng }); });
        }
      }
    };
    // Buurten in a pane underneath, groups (and counts) on top, whichever tile arrives first.
    map.createPane("tileBuurten").style.zIndex = 350;
    var buurten = L.geoJSON(null, L.extend({ attribution: options.attribution, pane: "tileBuurten" }, common))
      .addTo(map);
    var groups = L.geoJSON(null, common).addTo(map);

    function load() {
      if (map.getZoom() !== zoom) {
        buurten.clearLayers(); groups.clearLayers(); fetched = {}; shown = {}; zoom = map.getZoom();
      }
      var bounds = map.getPixelBounds(), size = 256, max = Math.pow(2, zoom);
      for (var x = Math.floor(bounds.min.x / size); x <= Math.floor(bounds.max.x / size); x++) {
        for (var y = Math.floor(bounds.min.y / size); y <= Math.floor(bounds.max.y / size); y++) {
          if (x < 0 || y < 0 || x >= max || y >= max) { continue; }
          var url = options.url.replace("{z}", zoom).replace("{x}", x).replace("{y}", y);
          if (fetched[url]) { continue; }
          fetched[url] = true;
          fetchTile(url, zoom);
        }
      }
    }

    function fetchTile(url, atZoom) {
      fetch(url).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (collection) {
          if (!collection || atZoom !== zoom) { return; }
          // A shape that reaches into several tiles comes with each; it is drawn once.
          collection.features.forEach(function (feature) {
            if (shown[feature.id]) { return; }
            shown[feature.id] = true;
            (feature.properties.kind === "buurt" ? buurten : groups).addData(feature);
          });
        })
        .catch(function () { fetched[url] = false; });
    }

    map.on("moveend", load);
    map.whenReady(load);
    // The page may still settle after the map's first view (fonts, the answer beside it): a container that
    // grows needs the tiles of its new edges.
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(map.getContainer());
    }
    return groups;
  }

  window.GeoRegistry = { prepareMap: prepareMap, labelBuurten: labelBuurten, attachMap: attachMap,
                         attachDraw: attachDraw, bindTextTooltip: bindTextTooltip, loadTiles: loadTiles };
  document.addEventListener("DOMContentLoaded", attachSuggestions);
})();
