// The only script of the dashboard: drop-downs that apply themselves (the date of a page, the
// meaning of a column in the import preview). Without it the "Показать" and "Пересчитать"
// buttons do the same.
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
