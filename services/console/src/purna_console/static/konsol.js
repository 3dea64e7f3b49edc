// Konsol Purna: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // On a wide screen the menu is always open; on a phone it folds away.
  function menu() {
    var nav = document.querySelector("details.nav");
    if (nav && window.matchMedia("(min-width: 48rem)").matches) { nav.open = true; }
  }
  document.addEventListener("DOMContentLoaded", menu);
  // htmx asks the console again when a save fails: tell the user instead of failing silently.
  document.addEventListener("htmx:responseError", function (e) {
    var target = e.detail.target;
    if (target) { target.textContent = "Gagal menyimpan (" + e.detail.xhr.status + "). Coba lagi atau tekan Simpan."; }
  });
  document.addEventListener("htmx:sendError", function (e) {
    var target = e.detail.target;
    if (target) { target.textContent = "Tidak tersambung. Perubahan belum tersimpan; tekan Simpan saat sinyal kembali."; }
  });
})();
