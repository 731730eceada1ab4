// The only script of the dashboard: a date picker that applies itself. Without it the
// "Показать" button does the same.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
  document.querySelectorAll(".js-hide").forEach(function (element) {
    element.hidden = true;
  });
});
