// The dashboard's live parts: times in the viewer's local time, the run log following as
// it grows (from the same byte offsets as the API's /v1/runs/{id}/logs), and the run's
// status, steps and artifacts refreshed while it is active. Everything else is plain HTML.
"use strict";

function localizeTimes(root) {
  for (const element of root.querySelectorAll("time[datetime]")) {
    const date = new Date(element.getAttribute("datetime"));
    if (!isNaN(date.getTime())) {
      element.textContent = date.toLocaleString();
      element.title = element.getAttribute("datetime");
    }
  }
}

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function decodeEvent(event) {
  if (typeof event.text === "string") return event.text;
  if (typeof event.data === "string") {
    const bytes = Uint8Array.from(atob(event.data), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  }
  return "";
}

function appendEvent(log, event) {
  const span = document.createElement("span");
  if (event.kind === "end") {
    span.className = "log-system";
    span.textContent = "— the run ended with exit code " + event.exitCode + " —\n";
  } else {
    span.className = "log-" + event.kind;
    span.textContent = decodeEvent(event);
  }
  // Keep following the bottom only if the reader was already there.
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.appendChild(span);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

// Streams the log from `data-from` with follow=true; if the connection drops, asks again
// from the last `next` it read, so no line is lost or shown twice.
async function followLog(log) {
  const state = document.getElementById("log-state");
  let from = Number(log.dataset.from || "0");
  let failures = 0;
  while (log.dataset.ended !== "true") {
    try {
      const response = await fetch(log.dataset.src + "?follow=true&from=" + from, {
        credentials: "same-origin",
        headers: { Accept: "application/x-ndjson" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("application/x-ndjson")) {
        // Signed out (the answer is the sign-in page) or the run is gone.
        state.textContent = "The log stopped following: reload the page (you may need to sign in again).";
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let newline;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          const event = JSON.parse(line);
          if (event.offset < from) continue;
          appendEvent(log, event);
          from = event.next;
          log.dataset.from = String(from);
          if (event.kind === "end") {
            log.dataset.ended = "true";
            state.textContent = "The log is complete.";
          }
        }
      }
      failures = 0;
    } catch (error) {
      failures += 1;
      state.textContent = "Reconnecting to the log…";
      await sleep(Math.min(500 * failures, 5000));
    }
  }
}

// While the run is active, the summary, steps, artifacts and the cancel button are
// refreshed from the page itself every two seconds, until the run has ended.
async function refreshRun(run) {
  while (run.dataset.active === "true") {
    await sleep(2000);
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) continue;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const region of document.querySelectorAll("[data-live-region]")) {
        const fresh = page.getElementById(region.id);
        if (fresh && fresh.innerHTML !== region.innerHTML) {
          region.innerHTML = fresh.innerHTML;
          localizeTimes(region);
        }
      }
      const freshRun = page.getElementById("run");
      if (freshRun) run.dataset.active = freshRun.dataset.active;
    } catch (error) {
      // A failed refresh is tried again on the next tick.
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localizeTimes(document);
  const log = document.getElementById("log");
  if (log) {
    log.scrollTop = log.scrollHeight;
    followLog(log);
  }
  const run = document.getElementById("run");
  if (run) refreshRun(run);
});
