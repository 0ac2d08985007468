/* Answers a click or tap on the map with the same answer the lookup form gives. */
(function () {
  "use strict";
  var marker = null;

  function showAnswer(url, map, latlng) {
    var region = document.getElementById("antwoord-inhoud");
    if (!region) { return; }
    region.innerHTML = "<p class=\"hint\">Even zoeken…</p>";
    fetch(url, { headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        region.innerHTML = html;
        if (latlng) {
          if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { title: "Gekozen punt" }).addTo(map); }
        }
        if (window.matchMedia("(max-width: 60rem)").matches) {
          document.getElementById("antwoord").focus();
        }
      })
      .catch(function () {
        region.innerHTML = "<p class=\"notice notice-error\" role=\"alert\">Het antwoord kon niet worden opgehaald. Probeer het nog eens.</p>";
      });
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function attachMap(map, options, groupsLayer) {
    if (options.marker) { marker = L.marker(options.marker, { title: "Gevonden adres" }).addTo(map); }
    if (groupsLayer && options.joinUrl) {
      groupsLayer.eachLayer(function (layer) {
        var props = layer.feature.properties;
        var url = options.joinUrl.replace("/0/", "/" + props.id + "/");
        layer.bindPopup("<strong>" + escapeHtml(props.name) + "</strong>" +
          (props.is_example ? " <span class=\"badge\">voorbeeld</span>" : "") +
          "<br><a href=\"" + url + "\">Aanmelden bij deze groep</a>");
      });
    }
    function answerAt(latlng) {
      var lat = latlng.lat.toFixed(6), lon = latlng.lng.toFixed(6);
      showAnswer(options.answerUrl + "?lat=" + lat + "&lon=" + lon, map, latlng);
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
    if (window.L && L.drawLocal) { translateDraw(L.drawLocal); }
    var initial = options.initial || input.value;
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
    function sync() {
      var layers = drawnItems.getLayers();
      input.value = layers.length ? JSON.stringify(drawnItems.toGeoJSON()) : "";
      var status = document.getElementById(options.inputId + "-status");
      if (status) {
        status.textContent = layers.length ? "Getekend: " + layers.length + " deel/delen." : "Nog niets getekend.";
      }
    }
    map.on("draw:created draw:edited draw:deleted", function () { setTimeout(sync, 0); });
    sync();
  }

  function translateDraw(local) {
    var t = local.draw.toolbar, h = local.draw.handlers;
    t.actions.title = "Tekenen stoppen"; t.actions.text = "Stoppen";
    t.finish.title = "Tekenen afronden"; t.finish.text = "Klaar";
    t.undo.title = "Laatste punt wissen"; t.undo.text = "Laatste punt wissen";
    t.buttons.polygon = "Teken een veelhoek"; t.buttons.rectangle = "Teken een rechthoek";
    h.polygon.tooltip.start = "Klik om de eerste hoek te zetten.";
    h.polygon.tooltip.cont = "Klik om de volgende hoek te zetten.";
    h.polygon.tooltip.end = "Klik op de eerste hoek om af te ronden.";
    h.rectangle.tooltip.start = "Klik en sleep om een rechthoek te tekenen.";
    h.simpleshape.tooltip.end = "Laat los om af te ronden.";
    var e = local.edit.toolbar;
    e.actions.save.title = "Wijzigingen bewaren"; e.actions.save.text = "Bewaren";
    e.actions.cancel.title = "Wijzigingen annuleren"; e.actions.cancel.text = "Annuleren";
    e.actions.clearAll.title = "Alles wissen"; e.actions.clearAll.text = "Alles wissen";
    e.buttons.edit = "Gebied aanpassen"; e.buttons.remove = "Deel verwijderen";
    local.edit.handlers.edit.tooltip.text = "Sleep de hoeken om het gebied aan te passen.";
    local.edit.handlers.remove.tooltip.text = "Klik op een deel om het te verwijderen.";
  }

  window.GeoRegistry = { attachMap: attachMap, attachDraw: attachDraw };
  document.addEventListener("DOMContentLoaded", attachSuggestions);
})();
