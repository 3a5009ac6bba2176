// sxcheck serve: the job page follows its check until the run is there (no inline script:
// the Content-Security-Policy allows only this server's own files).
(function () {
  var job = document.getElementById("job");
  if (!job) { return; }
  var names = { queued: "排队中", running: "检查中", done: "已完成", failed: "失败" };
  function poll() {
    fetch("/jobs/" + encodeURIComponent(job.dataset.job) + ".json", { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        job.dataset.state = data.state;
        document.getElementById("job-state").textContent = names[data.state] || data.state;
        var p = data.progress || {};
        var text = "";
        if (p.of) { text = "已读取 " + p.documents + "/" + p.of + " 份材料"; }
        if (p.ocr_pages) { text += "，已识别扫描页 " + p.ocr_pages + " 页"; }
        if (p.current) { text += "（" + p.current + "）"; }
        document.getElementById("job-progress").textContent = text;
        document.getElementById("job-error").textContent = data.error || "";
        if (data.run) {
          var holder = document.getElementById("job-run");
          holder.textContent = "";
          var link = document.createElement("a");
          link.id = "run-link";
          link.href = "/runs/" + encodeURIComponent(data.run);
          link.textContent = "查看报告";
          holder.appendChild(link);
        }
        if (data.state === "queued" || data.state === "running") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (job.dataset.state === "queued" || job.dataset.state === "running") { setTimeout(poll, 500); }
})();
