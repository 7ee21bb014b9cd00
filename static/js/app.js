// Clickar: small progressive enhancements. Every flow works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");  // .no-js-only (e.g. 再計算) hides

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

  // 車両保険なし: 免責金額 is switched off and explained (the server renders the same state).
  // Capture phase: before htmx reads the form for the live premium.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches('#options-form input[name="vehicle"]')) return;
    var group = document.querySelector("#deductible fieldset");
    var note = document.getElementById("deductible-off");
    if (!group) return;
    var off = radio.value === "none";
    group.disabled = off;
    if (note) note.hidden = !off;
  }, true);

  // URLをコピー: shown only where the clipboard works; without it the URL field can be selected.
  function showCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", showCopyButtons);
  document.addEventListener("htmx:afterSettle", showCopyButtons);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    var note = field && document.getElementById(field.id + "-copied");
    if (!field) return;
    navigator.clipboard.writeText(field.value).then(function () {
      if (note) note.textContent = "URLをコピーしました。";
    }, function () {
      field.select();
      if (note) note.textContent = "コピーできませんでした。選択されたURLをコピーしてください。";
    });
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

  // 再送 cooldown on the button (あと 45 秒): count down, then enable it.
  function startCooldowns(root) {
    (root || document).querySelectorAll("button[data-cooldown]").forEach(function (button) {
      var left = parseInt(button.getAttribute("data-cooldown"), 10) || 0;
      if (left <= 0 || button.cooldownTimer) return;
      var label = button.getAttribute("data-label");
      button.cooldownTimer = setInterval(function () {
        left -= 1;
        var shown = button.querySelector("[data-cooldown-seconds]");
        if (left > 0 && shown) { shown.textContent = left; return; }
        clearInterval(button.cooldownTimer);
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        (button.querySelector("[data-cooldown-text]") || button).textContent = label;
      }, 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { startCooldowns(); });
  document.addEventListener("htmx:afterSettle", function (event) { startCooldowns(event.detail.target); });

  // ---- PWA (issue 6): service worker, update toast, cache clearing, ホーム画面に追加 ----
  // A toast that stays until its button is pressed.
  function toastAction(message, label, action) {
    var box = document.getElementById("toast");
    if (!box) return;
    clearTimeout(toast.timer);
    box.textContent = message;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small toast__button";
    button.textContent = label;
    button.addEventListener("click", action);
    box.appendChild(button);
    box.hidden = false;
  }

  var sw = "serviceWorker" in navigator && window.isSecureContext ? navigator.serviceWorker : null;
  var loggedOut = /[?&]logged_out=/.test(window.location.search);

  // After logout nothing this browser cached may stay: empty every cache, now and once
  // the page's own files have loaded (the worker also waits for its writes in flight).
  function clearCaches() {
    if (sw && sw.controller) sw.controller.postMessage("clear-caches");
    caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) { return caches.delete(key); }));
    }).catch(function () {});
  }
  if (loggedOut && window.caches) {
    clearCaches();
    window.addEventListener("load", clearCaches);
  }

  if (sw) {
    var updating = false;
    var offerUpdate = function (worker) {
      toastAction("新しいバージョンがあります", "再読み込み", function () {
        updating = true;
        worker.postMessage("skip-waiting");
      });
    };
    sw.addEventListener("controllerchange", function () {
      if (updating) window.location.reload();
    });
    window.addEventListener("load", function () {
      sw.register("/sw.js", { scope: "/" }).then(function (registration) {
        if (registration.waiting && sw.controller) offerUpdate(registration.waiting);
        registration.addEventListener("updatefound", function () {
          var worker = registration.installing;
          if (!worker) return;
          worker.addEventListener("statechange", function () {
            if (worker.state === "installed" && sw.controller) offerUpdate(worker);
          });
        });
        document.addEventListener("visibilitychange", function () {
          if (document.visibilityState === "visible") registration.update().catch(function () {});
        });
      }).catch(function () {});
    });
  }

  // ホーム画面に追加: the browser's own prompt (Android/Chromium) or a guide sheet (iOS Safari),
  // until the person closes it: on My Page top (after login), and on the login page from the
  // second visit on — a first-time visitor's 新規登録 comes first.
  var INSTALL_DISMISSED = "clickar-install-dismissed";
  var VISITS = "clickar-visits";
  var installPrompt = null;
  var visits = (function () {
    try {
      var count = parseInt(window.localStorage.getItem(VISITS), 10) || 0;
      if (!window.sessionStorage.getItem(VISITS)) {  // a visit = a browser tab's session
        window.sessionStorage.setItem(VISITS, "1");
        count += 1;
        window.localStorage.setItem(VISITS, String(count));
      }
      return count;
    } catch (e) { return 1; }  // private mode: as on a first visit
  })();
  function installPlace() {
    var path = window.location.pathname;
    return path === "/mypage/" || (path === "/mypage/login" && visits >= 2);
  }
  function installDismissed() {
    try { return window.localStorage.getItem(INSTALL_DISMISSED) === "1"; } catch (e) { return false; }
  }
  function standalone() {
    return window.navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }
  function iosSafari() {
    var ua = window.navigator.userAgent;
    var ios = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && window.navigator.maxTouchPoints > 1);
    return ios && /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS|OPiOS|GSA\//.test(ua);
  }
  function showInstall() {
    var panel = document.getElementById("install");
    if (!panel) return;
    var kind = installPrompt ? "prompt" : (iosSafari() ? "ios" : null);
    if (!kind || !installPlace() || installDismissed() || standalone()) {
      panel.hidden = true;
      return;
    }
    panel.querySelectorAll("[data-install-kind]").forEach(function (part) {
      part.hidden = part.getAttribute("data-install-kind") !== kind;
    });
    panel.hidden = false;
  }
  function hideInstall() {
    var panel = document.getElementById("install");
    if (panel) panel.hidden = true;
  }
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installPrompt = event;
    showInstall();
  });
  window.addEventListener("appinstalled", function () {
    installPrompt = null;
    hideInstall();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-install-action]");
    if (!button) return;
    if (button.getAttribute("data-install-action") === "prompt" && installPrompt) {
      var prompt = installPrompt;
      installPrompt = null;
      prompt.prompt();
      hideInstall();
    } else if (button.getAttribute("data-install-action") === "dismiss") {
      try { window.localStorage.setItem(INSTALL_DISMISSED, "1"); } catch (e) { /* private mode */ }
      hideInstall();
    }
  });
  document.addEventListener("DOMContentLoaded", showInstall);
  document.addEventListener("htmx:pushedIntoHistory", showInstall);

  // ---- AIチャット (issue 9): the drawer on every page, the chat form ----
  // Without this the drawer button is a plain link to /help/chat.
  var chatOpener = null;
  function chatDialog() { return document.getElementById("chat-dialog"); }
  function focusChatInput() {
    var input = document.getElementById("chat-q");
    if (input) input.focus();
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var dialog = chatDialog();
    var opener = event.target.closest("[data-chat-open]");
    if (opener) {
      if (!dialog || typeof dialog.showModal !== "function" || !window.htmx) return;
      event.preventDefault();
      chatOpener = opener;
      dialog.showModal();
      var panel = document.getElementById("chat-panel");
      if (panel && !panel.querySelector("#chat-form")) {
        panel.innerHTML = '<p class="chat-dialog__loading">読み込み中…</p>';
        window.htmx.trigger(panel, "chat-open");
      } else {
        focusChatInput();
      }
      return;
    }
    if (!dialog || !dialog.open) return;
    // the close button, or a tap on the backdrop (outside the sheet)
    if (event.target.closest("[data-chat-close]") || event.target === dialog) dialog.close();
  });
  // Opened offline: say so in the drawer (not 読み込み中… forever); the next open tries again.
  document.addEventListener("htmx:sendError", function (event) {
    var panel = event.detail.elt;
    if (!panel || panel.id !== "chat-panel") return;
    panel.innerHTML = "";
    var note = document.createElement("p");
    note.className = "chat-dialog__loading";
    note.setAttribute("role", "alert");
    note.textContent = "通信できませんでした。インターネットにつながってから、もう一度「AIチャット」を開いてください。";
    panel.appendChild(note);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var dialog = chatDialog();
    if (!dialog) return;
    // Escape closes the <dialog> natively; either way focus goes back to the button
    dialog.addEventListener("close", function () {
      if (chatOpener) chatOpener.focus();
    });
  });
  // answered: empty the field and keep typing there
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-chat-form]") && event.detail.xhr &&
        event.detail.xhr.status === 200) {
      elt.reset();
      focusChatInput();
    }
  });
  // the optional model's summary of an answer (CLICKAR_LLM_URL), streamed as server-sent events
  function streamSummary(box) {
    if (!window.EventSource) return;
    var text = box.querySelector(".chat-summary__text");
    var source = new EventSource(box.getAttribute("data-chat-summary"));
    box.removeAttribute("data-chat-summary");
    source.onmessage = function (message) {
      try { text.textContent += JSON.parse(message.data); } catch (e) { return; }
      box.hidden = false;
    };
    source.addEventListener("done", function () { source.close(); });
    source.addEventListener("error", function () {
      source.close();
      if (!text.textContent) box.remove();
    });
  }
  // content that replaced itself: the thank-you of a vote, the form refused (422), a cleared chat
  document.addEventListener("htmx:load", function (event) {
    var elt = event.target;
    if (!elt || !elt.matches) return;
    if (elt.querySelectorAll) elt.querySelectorAll("[data-chat-summary]").forEach(streamSummary);
    if (elt.matches(".chat-feedback--done")) elt.focus();
    else if (elt.matches("#chat-form, #chat")) focusChatInput();
  });
  // a new exchange: bring its question to the top of the log's view
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "chat-log" && target.lastElementChild) {
      target.lastElementChild.scrollIntoView({ block: "start" });
    }
  });
  // 郵便番号 → 住所: a lookup's answer never replaces what the person typed in 住所 meanwhile
  document.addEventListener("htmx:beforeSwap", function (event) {
    var input = document.getElementById("address"), sent = event.detail.requestConfig;
    if (event.detail.target.id === "address-block" && input && sent && input.value !== (sent.parameters.address || "")) {
      event.detail.shouldSwap = false;
    }
  });
})();
