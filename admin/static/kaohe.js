// Kaohe panel: show "计算中…" and disable the buttons while a long form (recalculation, preview) runs;
// show the names of the files chosen for an import.
(function () {
  document.querySelectorAll("form.kaohe-busy").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.name) {
        var keep = document.createElement("input");
        keep.type = "hidden";
        keep.name = submitter.name;
        keep.value = submitter.value;
        form.appendChild(keep);
      }
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
        if (button === submitter && button.dataset.busy) {
          button.textContent = button.dataset.busy;
        }
        button.disabled = true;
      });
      form.querySelectorAll(".kaohe-progress").forEach(function (note) {
        note.hidden = false;
        note.classList.add("kaohe-spinning");
      });
    });
  });
})();
(function () {
  document.querySelectorAll(".custom-file-input").forEach(function (input) {
    input.addEventListener("change", function () {
      var label = input.parentNode.querySelector(".custom-file-label");
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      label.textContent = names.length ? names.join("、") : label.dataset.empty;
    });
  });
})();
// The searchable choosers (select2 3.5, bundled with Flask-Admin) speak the panel's language.
(function () {
  var words = document.getElementById("kaohe-chooser-words");
  if (!words || !window.jQuery || !window.jQuery.fn.select2) {
    return;
  }
  var w = JSON.parse(words.textContent);
  window.jQuery.extend(window.jQuery.fn.select2.defaults, {
    formatNoMatches: function () { return w.none; },
    formatSearching: function () { return w.searching; },
    formatLoadMore: function () { return w.more; },
    formatAjaxError: function () { return w.failed; },
    formatInputTooShort: function (input, min) { return w.shorter.replace("{n}", min); },
    formatSelectionTooBig: function (limit) { return w.fewer.replace("{n}", limit); }
  });
})();
