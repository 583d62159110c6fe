// The scoring sheet's running total (templates/tasks/form_sheet.html): base and bonus items added up as the
// expert types, each part counted up to the cap the diagram's combining step applies (the server does the
// same when the sheet is handed in; this only shows it early). Empty or unreadable fields count as 0.
(function () {
  "use strict";
  const line = document.getElementById("sheet-total");
  const sheet = document.getElementById("score-sheet");
  if (!line || !sheet) return;
  const inputs = Array.from(sheet.querySelectorAll("input[data-part]"));
  const caps = { base: Number(line.dataset.baseMax), bonus: Number(line.dataset.bonusMax) };
  const shown = (value) => String(Math.round(value * 100) / 100);

  function update() {
    const sums = { base: 0, bonus: 0 };
    for (const input of inputs) {
      const value = Number(input.value);
      if (input.value.trim() !== "" && Number.isFinite(value) && value > 0) {
        sums[input.dataset.part === "bonus" ? "bonus" : "base"] += value;
      }
    }
    const total = Math.min(sums.base, caps.base) + Math.min(sums.bonus, caps.bonus);
    const words = { base: shown(sums.base), base_max: shown(caps.base), bonus: shown(sums.bonus),
                    bonus_max: shown(caps.bonus), total: shown(total) };
    line.textContent = line.dataset.template.replace(/\{(\w+)\}/g, (whole, name) => words[name] ?? whole);
    line.hidden = false;
  }

  sheet.addEventListener("input", update);
  update();
})();
