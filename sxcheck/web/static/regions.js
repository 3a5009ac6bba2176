// sxcheck serve, /regions: filter the regions table by name and level (a static file:
// the Content-Security-Policy allows no inline script).
(function () {
  var box = document.getElementById("region-filter");
  var level = document.getElementById("level-filter");
  var shown = document.getElementById("region-shown");
  if (!box || !level) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.region-row"));
  function apply() {
    var text = box.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var ok = (!text || row.dataset.region.toLowerCase().indexOf(text) >= 0)
        && (!level.value || row.dataset.level === level.value);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " / " + rows.length + " 个地区";
  }
  box.addEventListener("input", apply);
  level.addEventListener("change", apply);
})();
