// A form sent back with mistakes: focus its error summary, so that a screen reader reads it (a role=alert present
// at load is not announced) and the keyboard goes on from there to the fields it links to (WCAG 3.3.1); sent back
// with an answer further down (data-focus: the area checked), focus that answer. Loaded at the end of the body.
(function () {
  var summary = document.querySelector("#foutmeldingen, [data-focus]");
  if (summary) { summary.focus(); }
})();
