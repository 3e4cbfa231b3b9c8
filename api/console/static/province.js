// Province onboarding form: a chosen CSV/text file of hamlets fills the hamlets box (the server parses it).
document.querySelectorAll("input[type=file][data-fill]").forEach((input) => {
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    const target = input.form && input.form.elements.namedItem(input.dataset.fill);
    if (file && target) target.value = await file.text();
  });
});
