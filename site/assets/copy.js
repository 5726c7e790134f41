// The site's only script; every page works without it. It puts the reader's platform
// first among the import buttons, and shows copy buttons (hidden without JavaScript,
// where the read-only field next to them can be selected and copied by hand instead).
(function () {
  var ua = navigator.userAgent || '';
  var platform = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1) ? 'ios' : /Android/.test(ua) ? 'android' : 'desktop';
  // Each language block has its platform groups.
  var mine = document.querySelectorAll('.platform[data-platform="' + platform + '"]');
  for (var m = 0; m < mine.length; m++) {
    if (mine[m].parentNode.firstElementChild !== mine[m]) mine[m].parentNode.insertBefore(mine[m], mine[m].parentNode.firstElementChild);
  }

  // The status page: "data as of" turns into a warning when the reader's clock is more
  // than three probe intervals past it.
  var asOf = document.querySelector('[data-as-of]');
  if (asOf) {
    var t = Date.parse(asOf.getAttribute('data-as-of'));
    var after = Number(asOf.getAttribute('data-stale-after-ms'));
    var stale = asOf.querySelector('.stale');
    if (stale && !isNaN(t) && after > 0 && Date.now() - t > after) { stale.hidden = false; asOf.className += ' is-stale'; }
  }
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
