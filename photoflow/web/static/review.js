// Keyboard shortcuts for the review page; every action is also a plain form or link.
(function () {
  "use strict";
  const approveForm = document.getElementById("approve-form");
  const rejectForm = document.getElementById("reject-form");
  const note = document.getElementById("note");
  const hint = document.getElementById("reject-hint");
  const help = document.getElementById("shortcuts");
  let sent = false; // one decision per page: a held-down key must not post twice

  function send(form) {
    if (sent) return;
    sent = true;
    form.submit();
  }

  function rejectionIsComplete() {
    const ticked = rejectForm.querySelectorAll("input[name=reasons]:checked");
    const other = rejectForm.querySelector("input[value=other]:checked");
    return ticked.length > 0 && (!other || note.value.trim() !== "");
  }

  rejectForm.addEventListener("submit", function (event) {
    if (!rejectionIsComplete()) {
      event.preventDefault();
      hint.hidden = false;
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target === note) {
      if (event.key === "Escape") note.blur();
      return;
    }
    const key = event.key.toLowerCase();
    const reason = rejectForm.querySelector('input[data-key="' + key + '"]');
    if (reason) {
      reason.checked = !reason.checked;
    } else if (key === "a") {
      send(approveForm);
    } else if (key === "r") {
      if (rejectionIsComplete()) send(rejectForm);
      else hint.hidden = false;
    } else if (key === "n") {
      note.focus();
    } else if (key === "j" || key === "k") {
      const link = document.getElementById(key === "j" ? "next" : "previous");
      if (link) window.location.href = link.href;
    } else if (key === "x") {
      send(document.getElementById("release-form"));
    } else if (key === "?") {
      help.hidden = !help.hidden;
    } else {
      return;
    }
    event.preventDefault();
  });
})();
