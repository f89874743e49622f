// Chargegrid UI: the only script. Parts of a page marked data-refresh="URL" re-fetch their HTML every
// data-every seconds (until they contain a [data-final] element), so the overview stays live without
// reloading the page. The server escapes all text it renders, so the fragment is inserted as it comes.
// It also tells the server the browser's time zone (cookie chargegrid_tz), so times are shown in it.
"use strict";
(function rememberTimeZone() {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes("chargegrid_tz=" + encodeURIComponent(zone))) {
      document.cookie = "chargegrid_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (error) {
    // No Intl time zone: the server shows UTC, labelled as such.
  }
})();
function refresh(element) {
  const seconds = Math.max(Number(element.dataset.every) || 3, 1);
  async function tick() {
    try {
      const answer = await fetch(element.dataset.refresh, {
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      if (answer.status === 401) {
        window.location.assign("/ui/login?next=" + encodeURIComponent(window.location.pathname));
        return;
      }
      if (answer.ok) {
        element.innerHTML = await answer.text();
        element.dataset.refreshed = String(Date.now());
        if (element.querySelector("[data-final]")) {
          return; // the story is told (e.g. a remote start's outcome): stop asking
        }
      }
    } catch (error) {
      // Server restarting or network gone: keep the last picture and try again.
    }
    window.setTimeout(tick, seconds * 1000);
  }
  window.setTimeout(tick, seconds * 1000);
}
document.querySelectorAll("[data-refresh]").forEach(refresh);
