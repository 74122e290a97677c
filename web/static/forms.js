// Small form helpers shared by every page (no inline handlers: the CSP forbids them).
// <select data-autosubmit> sends its form as soon as a choice is made.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
