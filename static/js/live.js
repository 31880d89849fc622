// Live levels: the page polls itself with its ETag and swaps in the regions that changed
// (webapp/inventory/live.py). A 304 costs the server a few indexed reads and no rendering.
// The new HTML comes from our own server, escaped by its templates; nodes are imported, and
// scripts in them never run.

const root = document.querySelector('[data-live-every]');
const meta = document.querySelector('meta[name="live-etag"]');

async function poll(state) {
  if (document.hidden) return;
  let response;
  try {
    response = await fetch(window.location.href, {
      headers: { 'If-None-Match': `"${state.etag}"`, 'X-Live': '1' },
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    return; // offline for now: the next tick tries again
  }
  if (response.status !== 200) return;
  const tag = (response.headers.get('ETag') || '').replace(/^W\//, '').replace(/"/g, '');
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  for (const fresh of page.querySelectorAll('[data-live-region]')) {
    const current = document.getElementById(fresh.id);
    if (current) current.replaceWith(document.importNode(fresh, true));
  }
  if (tag) state.etag = tag;
  document.dispatchEvent(new CustomEvent('live:updated', { detail: { etag: state.etag } }));
}

if (root && meta) {
  const state = { etag: meta.content };
  const every = Math.max(1000, Number(root.dataset.liveEvery) || 3000);
  setInterval(() => poll(state), every);
  document.addEventListener('visibilitychange', () => poll(state));
}
