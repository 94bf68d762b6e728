/* Behaviour for every page, kept out of the markup (the Content-Security-Policy allows no inline script
   and no on* attributes): a button with data-action="print" prints the page. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-action='print']");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
