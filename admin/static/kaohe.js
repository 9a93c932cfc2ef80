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
// What Flask-Admin's and the panel's pages did with inline handlers, which the panel's CSP does
// not run: asking before a delete or a publish (data-kaohe-confirm on a button or a form), the
// list's bulk actions (data-kaohe-action), adding an inline row (data-kaohe-add-inline), and the
// filter menu's entries (whose own script adds the filter; the link must not be followed).
(function () {
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-kaohe-confirm]:not(form), [data-kaohe-action], [data-kaohe-add-inline], a.filter");
    if (!target) {
      return;
    }
    if (target.dataset.kaoheConfirm !== undefined) {
      if (!window.confirm(target.dataset.kaoheConfirm)) {
        event.preventDefault();
      }
      return;
    }
    event.preventDefault();
    if (target.dataset.kaoheAction !== undefined && window.modelActions) {
      window.modelActions.execute(target.dataset.kaoheAction);
    } else if (target.dataset.kaoheAddInline !== undefined && window.faForm) {
      window.faForm.addInlineField(target, target.dataset.kaoheAddInline);
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.kaoheConfirm !== undefined && !window.confirm(form.dataset.kaoheConfirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
