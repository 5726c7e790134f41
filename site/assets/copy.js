// Copy buttons: the site's only script. Buttons stay hidden without JavaScript, where the
// read-only field next to them can be selected and copied by hand instead.
(function () {
  var buttons = document.querySelectorAll('button[data-copy]');
  for (var i = 0; i < buttons.length; i++) setUp(buttons[i]);
  function setUp(button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener('click', function () {
      var done = function () {
        button.textContent = button.getAttribute('data-copied');
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      var byHand = function () {
        var field = button.parentNode.querySelector('input');
        field.select();
        try { if (document.execCommand('copy')) done(); } catch (e) { /* the field stays selected */ }
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(button.getAttribute('data-copy')).then(done, byHand);
      else byHand();
    });
  }
})();
