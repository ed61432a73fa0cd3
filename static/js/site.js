/* Decimetro: behaviour every page shares, loaded by base.html. No inline JavaScript anywhere: the
 * Content-Security-Policy (script-src 'self') refuses it, so what used to be an onchange="" lives here.
 *
 *   <select data-autosubmit>  submits its form when the choice changes (the language switch; a <noscript>
 *                             button does the same without JavaScript).
 *
 * Loaded before Bootstrap Italia's bundle, which reads the flag below: its video player (video.js) would
 * otherwise inject a <style> on every page, refused by the policy (style-src 'self'). Bootstrap Italia's fonts
 * are not loaded by bootstrap.loadFonts() (it injects a <style> too): their @font-face rules are in
 * static/css/fonts.css.
 */
(function () {
  "use strict";

  window.VIDEOJS_NO_DYNAMIC_STYLE = true;

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });
})();
