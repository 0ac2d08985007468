// The poster's print button: shown only where this script runs (without it, the browser's own Print works).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("poster-afdrukken");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
