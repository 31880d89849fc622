"""The installable app shell: home screen, manifest, service worker, offline page."""
