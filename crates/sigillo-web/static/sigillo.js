// Sigillo portal: optional improvements only; every form works without this file.
// Live hints for the definitive PIN while it is typed (the server applies the real policy).
(function () {
  var input = document.getElementById("new_pin");
  var rules = document.querySelectorAll("[data-pin-rule]");
  if (!input || !rules.length) { return; }
  function check() {
    var v = input.value.trim();
    var results = {
      length: v.length === 8,
      chars: v.length > 0 && /^[A-Za-z0-9]+$/.test(v),
      mixed: /[A-Za-z]/.test(v) && /[0-9]/.test(v)
    };
    rules.forEach(function (li) {
      var ok = results[li.getAttribute("data-pin-rule")];
      li.classList.toggle("ok", !!ok && v.length > 0);
      li.classList.toggle("ko", !ok && v.length > 0);
    });
  }
  input.addEventListener("input", check);
  check();
})();
