/* On wide screens show the menu (a <details> on phones) open. Progressive: without
   JavaScript the "Menu" button still opens it. */
(function () {
  "use strict";
  var menu = document.querySelector("details.nav-toggle");
  if (!menu || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 60rem)");
  function apply() { if (wide.matches) { menu.open = true; } }
  apply();
  if (wide.addEventListener) { wide.addEventListener("change", apply); }
})();
