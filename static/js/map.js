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

  function attachMap(map, options) {
    if (options.marker) { marker = L.marker(options.marker, { title: "Gevonden adres" }).addTo(map); }
    map.on("click", function (event) {
      var lat = event.latlng.lat.toFixed(6), lon = event.latlng.lng.toFixed(6);
      showAnswer(options.answerUrl + "?lat=" + lat + "&lon=" + lon, map, event.latlng);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "?lat=" + lat + "&lon=" + lon + "#antwoord");
      }
    });
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

  window.GeoRegistry = { attachMap: attachMap };
  document.addEventListener("DOMContentLoaded", attachSuggestions);
})();
