/* Target form: a live check while typing — the sums of the allocation rows against the provincial goal
   (the server checks again on save). Labels come from the page's json_script "live-labels". */
(function () {
  "use strict";
  var form = document.getElementById("target-form");
  var out = document.getElementById("live-sums");
  var source = document.getElementById("live-labels");
  if (!form || !out) { return; }
  var labels = JSON.parse((source && source.textContent) || "{}");
  function num(el) { var v = parseInt(el && el.value, 10); return isNaN(v) ? 0 : v; }
  function update() {
    var e = 0, g = 0;
    form.querySelectorAll("#allocations tbody tr").forEach(function (row) {
      var del = row.querySelector("input[name$='-DELETE']");
      var city = row.querySelector("select[name$='-city']");
      if ((del && del.checked) || (city && !city.value)) { return; }
      e += num(row.querySelector("input[name$='-exhibitions']"));
      g += num(row.querySelector("input[name$='-gross_area_m2']"));
    });
    var ge = num(form.querySelector("#id_exhibitions")), gg = num(form.querySelector("#id_gross_area_m2"));
    var fmt = new Intl.NumberFormat(document.documentElement.lang);
    var ok = e === ge && g === gg;
    out.textContent = (labels.sum || "") + " " + fmt.format(e) + " / " + fmt.format(ge) + " · " + fmt.format(g) + " / " + fmt.format(gg) + " m² · " + (ok ? (labels.ok || "") : (labels.bad || ""));
    out.className = "alert small " + (ok ? "alert-success" : "alert-warning");
  }
  form.addEventListener("input", update);
  update();
})();
