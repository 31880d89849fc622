// Web Push opt-in on the alerts page. Progressive enhancement: the page, the email alerts and
// the in-app list all work without it. The service worker (sw.js) shows the notification.

const panel = document.getElementById('push-panel');
const button = document.getElementById('push-enable');
const status = document.getElementById('push-status');

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function say(text) {
  status.textContent = text;
}

async function currentSubscription() {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

async function subscribe() {
  button.disabled = true;
  try {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      say('Notifications are blocked for this site; allow them in the browser settings.');
      return;
    }
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(panel.dataset.vapidKey),
    });
    const token = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch('/alerts/push/subscribe', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      say(body.error ? body.error.message : 'The server refused the subscription.');
      return;
    }
    say('This phone will be notified when an item runs low.');
    button.hidden = true;
  } catch (err) {
    say(`Could not turn on notifications: ${err.message}`);
  } finally {
    button.disabled = false;
  }
}

async function init() {
  if (!panel || !('serviceWorker' in navigator) || !('PushManager' in window) || !panel.dataset.vapidKey) {
    if (panel) panel.hidden = true;
    return;
  }
  const existing = await currentSubscription().catch(() => null);
  if (existing) {
    say('This phone is notified when an item runs low.');
    button.hidden = true;
    return;
  }
  button.addEventListener('click', subscribe);
}

init();
