/* Admin editor: Markdown toolbar, live preview, media insert, autosave.
 * Plain JS, no dependencies, no CDN. */
(function () {
  "use strict";
  function csrf(form) {
    var el = form && form.querySelector("input[name=csrf_token]");
    return el ? el.value : "";
  }
  function post(url, data, token) {
    var body = new URLSearchParams(data);
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}});
  }
  function wrap(ta, before, after, placeholder) {
    var s = ta.selectionStart, e = ta.selectionEnd, sel = ta.value.slice(s, e) || placeholder;
    ta.setRangeText(before + sel + after, s, e, "select");
    ta.focus();
    ta.dispatchEvent(new Event("input"));
  }
  function linePrefix(ta, prefix) {
    var s = ta.value.lastIndexOf("\n", ta.selectionStart - 1) + 1;
    ta.setRangeText(prefix, s, s, "end");
    ta.focus();
    ta.dispatchEvent(new Event("input"));
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!window.confirm(f.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });

  var diffForm = document.querySelector("form[data-diff-form]");
  if (diffForm) {
    diffForm.addEventListener("submit", function (ev) {
      if (ev.submitter && ev.submitter.getAttribute("formmethod") === "post") return;
      ev.preventDefault();
      var a = diffForm.querySelector("input[name=a]:checked"), b = diffForm.querySelector("input[name=b]:checked");
      if (a && b) window.location = diffForm.getAttribute("data-base") + a.value + "/" + b.value;
    });
  }

  document.querySelectorAll(".md-editor").forEach(function (ed) {
    var ta = ed.querySelector("textarea"), form = ed.closest("form");
    var preview = ed.querySelector(".preview"), picker = ed.querySelector(".media-picker");
    var status = ed.querySelector(".autosave-status");
    var token = csrf(form), timer = null;

    function refreshPreview() {
      post(ed.getAttribute("data-preview-url"), {text: ta.value}, token)
        .then(function (r) { return r.json(); })
        .then(function (d) { preview.innerHTML = d.html; })  // sanitised server-side
        .catch(function () {});
    }
    ed.querySelector(".toolbar").addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b) return;
      var cmd = b.getAttribute("data-md");
      if (cmd === "bold") wrap(ta, "**", "**", "teks tebal");
      else if (cmd === "italic") wrap(ta, "_", "_", "teks miring");
      else if (cmd === "h2") linePrefix(ta, "## ");
      else if (cmd === "ul") linePrefix(ta, "- ");
      else if (cmd === "link") wrap(ta, "[", "](https://)", "teks tautan");
      else if (cmd === "preview") { preview.hidden = !preview.hidden; if (!preview.hidden) refreshPreview(); }
      else if (cmd === "media") {
        picker.hidden = !picker.hidden;
        if (!picker.hidden) {
          picker.textContent = "Memuat…";
          fetch(ed.getAttribute("data-media-url"), {credentials: "same-origin"})
            .then(function (r) { return r.json(); })
            .then(function (items) {
              picker.textContent = "";
              if (!items.length) picker.textContent = "Pustaka media kosong.";
              items.forEach(function (m) {
                var btn = document.createElement("button");
                btn.type = "button";
                if (m.kind === "image") {
                  var img = document.createElement("img");
                  img.src = m.url; img.alt = m.alt || ""; img.loading = "lazy";
                  btn.appendChild(img);
                } else {
                  btn.textContent = "PDF: " + (m.name || "dokumen");
                }
                btn.addEventListener("click", function () {
                  var label = (m.alt || m.name || "berkas").replace(/[\[\]]/g, "");
                  var md = m.kind === "image" ? "![" + label + "](" + m.url + ")" : "[" + label + "](" + m.url + ")";
                  ta.setRangeText(md, ta.selectionStart, ta.selectionEnd, "end");
                  picker.hidden = true;
                  ta.focus();
                  ta.dispatchEvent(new Event("input"));
                });
                picker.appendChild(btn);
              });
            });
        }
      }
    });

    // Autosave: localStorage on every change (debounced), server every 15 s when changed.
    var key = "desa-draft:" + form.getAttribute("data-draft-key");
    var titleInput = form.querySelector("input[name=title]");
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) {}
    if (saved && saved.body !== ta.value && saved.body) {
      var note = document.createElement("p");
      note.className = "flash";
      note.textContent = "Ada draf yang belum tersimpan di peramban ini (" + new Date(saved.t).toLocaleString() + "). ";
      var use = document.createElement("button");
      use.type = "button"; use.textContent = "Pulihkan draf";
      use.addEventListener("click", function () {
        ta.value = saved.body; if (titleInput && saved.title) titleInput.value = saved.title; note.remove();
      });
      note.appendChild(use);
      ed.insertBefore(note, ed.firstChild);
    }
    var dirty = false;
    ta.addEventListener("input", function () {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(function () {
        try {
          window.localStorage.setItem(key, JSON.stringify({body: ta.value, title: titleInput ? titleInput.value : "", t: Date.now()}));
          status.textContent = "Draf tersimpan di peramban.";
        } catch (e) {}
        if (!preview.hidden) refreshPreview();
      }, 1500);
    });
    var url = form.getAttribute("data-autosave-url");
    if (url) {
      setInterval(function () {
        if (!dirty) return;
        dirty = false;
        post(url, {body_md: ta.value, title: titleInput ? titleInput.value : ""}, token)
          .then(function (r) { if (r.ok) status.textContent = "Tersimpan otomatis di server " + new Date().toLocaleTimeString() + "."; else dirty = true; })
          .catch(function () { dirty = true; status.textContent = "Koneksi terputus; draf tetap tersimpan di peramban."; });
      }, 15000);
    }
    form.addEventListener("submit", function () { try { window.localStorage.removeItem(key); } catch (e) {} });
  });

  document.querySelectorAll("[data-restore-autosave]").forEach(function (b) {
    b.addEventListener("click", function () {
      var form = document.querySelector("form.edit");
      form.querySelector("textarea[name=body_md]").value = b.getAttribute("data-body");
      var t = form.querySelector("input[name=title]");
      if (t) t.value = b.getAttribute("data-title");
    });
  });
})();
