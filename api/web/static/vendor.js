// Vendor page actions: confirm the first payment, create or revoke the
// vendor's private link. Everything else on the page is rendered by the
// server and works without this file.
'use strict';

(() => {
  const { api, showErrors, t, el } = SapQR;
  const confirm = document.getElementById('confirm');
  if (confirm) {
    confirm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const id = confirm.dataset.vendor;
      const res = await api('POST', '/vendors/' + encodeURIComponent(id) + '/confirm-transacting', {}, { 'Idempotency-Key': SapQR.newKey() });
      if (!res.ok) { showErrors(confirm, res); return; }
      location.reload();
    });
  }

  const link = document.getElementById('vendor-link');
  if (!link) return;
  const id = link.dataset.vendor;
  async function call(method) {
    const res = await fetch('/ui/vendors/' + encodeURIComponent(id) + '/link', {
      method, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': SapQR.csrf(), 'Accept': 'application/json' },
    }).catch(() => null);
    if (!res) return { offline: true, ok: false, status: 0 };
    const data = await res.json().catch(() => null);
    return { ok: res.ok, status: res.status, data: res.ok ? data : null, problem: res.ok ? null : data };
  }
  link.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!window.confirm(t('vendor.link.confirm_create'))) return;
    const res = await call('POST');
    if (!res.ok) { showErrors(link, res); return; }
    const a = document.getElementById('link-url');
    a.href = res.data.url;
    a.textContent = res.data.url;
    const svg = new DOMParser().parseFromString(res.data.qr_svg, 'image/svg+xml').documentElement;
    svg.setAttribute('class', 'qr-small');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', t('vendor.link.qr_label'));
    document.getElementById('link-qr').replaceChildren(svg);
    document.getElementById('link-new').hidden = false;
    document.getElementById('link-state').textContent = t('vendor.link.created');
  });
  const revoke = document.getElementById('link-revoke');
  if (revoke) {
    revoke.addEventListener('click', async () => {
      if (!window.confirm(t('vendor.link.confirm_revoke'))) return;
      const res = await call('DELETE');
      if (!res.ok) { showErrors(link, res); return; }
      document.getElementById('link-state').textContent = t('vendor.link.revoked');
      document.getElementById('link-new').hidden = true;
      revoke.remove();
    });
  }
})();
