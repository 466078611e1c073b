/* On wide screens show the menu (a <details> on phones) open. Progressive: without
   JavaScript the "Menu" button still opens it, and "Lainnya" opens with a tap. */
(function () {
  "use strict";
  var menu = document.querySelector("details.nav-toggle");
  if (!menu || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 60rem)");
  // "Lainnya": a drop-down on wide screens, an open group of the menu on phones
  var more = menu.querySelector(".nav-more > details");
  function apply() {
    if (wide.matches) { menu.open = true; }
    if (more) { more.open = !wide.matches; }
  }
  apply();
  if (wide.addEventListener) { wide.addEventListener("change", apply); }
  if (!more) { return; }
  document.addEventListener("click", function (event) {
    if (wide.matches && more.open && !more.contains(event.target)) { more.open = false; }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && wide.matches && more.open) {
      more.open = false;
      more.querySelector("summary").focus();
    }
  });
})();
