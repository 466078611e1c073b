/* Village map: Leaflet (vendored), centred on the office coordinates.
   No tile server is contacted unless the platform configures one (MAP_TILE_URL);
   the coordinates and links below the map always work without it. */
(function () {
  "use strict";
  var el = document.getElementById("peta");
  if (!el || typeof L === "undefined") { return; }
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
  if (isNaN(lat) || isNaN(lng)) { return; }
  var map = L.map(el, { scrollWheelZoom: false, zoomControl: false }).setView([lat, lng], 15);
  // Leaflet's own zoom buttons are labelled in English: use the page's language.
  L.control.zoom({
    zoomInTitle: el.dataset.zoomIn || "+",
    zoomOutTitle: el.dataset.zoomOut || "-"
  }).addTo(map);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors"
    }).addTo(map);
  } else {
    el.classList.add("map-no-tiles");
    var note = L.control({ position: "bottomleft" });
    note.onAdd = function () {
      var div = L.DomUtil.create("div", "map-note");
      div.textContent = el.dataset.note || "";
      return div;
    };
    note.addTo(map);
  }
  // The label holds the village's name: data, so a text node, never HTML
  // (Leaflet reads a string given to bindPopup as HTML).
  var label = document.createElement("span");
  label.textContent = el.dataset.label || "";
  L.circleMarker([lat, lng], { radius: 10, weight: 3, color: "#084c37", fillColor: "#0b6e4f", fillOpacity: 0.8 })
    .addTo(map).bindPopup(label);
})();
