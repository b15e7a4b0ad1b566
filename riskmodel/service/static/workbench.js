// The workbench's only script (progressive enhancement: every page works without it).
// Shows the upload's progress while a portfolio is sent.
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("progress");
  if (bar && event.detail.lengthComputable) {
    bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
    bar.textContent = bar.value + "%";
  }
});
// After an htmx swap that shows problems, move the focus to them (keyboard and screen readers).
document.addEventListener("htmx:afterSettle", function () {
  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
});
