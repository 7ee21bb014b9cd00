// Clickar: small progressive enhancements. Every flow works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // CSRF header on every htmx request (forms also carry the hidden field).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 6000);
  }
  window.clickarToast = toast;

  // A request that fails on the network (offline) shows a toast, not a blank swap.
  document.addEventListener("htmx:sendError", function () {
    toast("通信できませんでした。電波の良い場所で、もう一度お試しください。");
  });
  // Any other error status: load the page normally so the server's error page shows.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && event.detail.requestConfig.verb === "get") {
      window.location.href = xhr.responseURL;
    } else {
      toast("処理できませんでした。画面を再読み込みして、もう一度お試しください。");
    }
  });

  // After a swap: title from the new page, focus on the error summary or the heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "main") {
      var auto = target && target.querySelector("[data-autofocus]");
      if (auto) auto.focus();
      return;
    }
    var page = target.querySelector("[data-title]");
    if (page) {
      var suffix = document.title.indexOf(" | ") >= 0 ? document.title.slice(document.title.indexOf(" | ")) : "";
      var error = target.querySelector(".error-summary") ? "エラー：" : "";
      document.title = error + page.getAttribute("data-title") + suffix;
    }
    var focus = target.querySelector(".error-summary") || target.querySelector("h1");
    if (focus) {
      if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
      focus.focus({ preventScroll: false });
    }
  });

  // 入力したパスワードを表示する: toggles the password fields of its form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-show-password]")) return;
    var form = box.closest("form");
    if (!form) return;
    form.querySelectorAll("input[data-password]").forEach(function (input) {
      input.type = box.checked ? "text" : "password";
    });
  });

  // Service worker (PWA): register once the page has loaded.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }
})();
