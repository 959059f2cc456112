// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// Upload with a progress bar for large import files.
document.querySelectorAll("form[data-progress]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    const bar = document.querySelector(form.getAttribute("data-progress"));
    if (!bar || !window.XMLHttpRequest) return;
    event.preventDefault();
    form.classList.add("uploading");
    const request = new XMLHttpRequest();
    request.open(form.method || "POST", form.action || window.location.href);
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.style.width = Math.round((e.loaded / e.total) * 90) + "%";
    });
    request.addEventListener("load", () => {
      bar.style.width = "100%";
      document.open();
      document.write(request.responseText);
      document.close();
      if (request.responseURL) window.history.replaceState(null, "", request.responseURL);
    });
    request.send(new FormData(form));
  });
});
