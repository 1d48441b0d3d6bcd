// Vendor page actions: confirm the first payment, add and release stalls,
// check the payee, create and revoke the vendor's private link. Everything
// else on the page is rendered by the server and works without this file.
'use strict';

(() => {
  const { api, showErrors, t, fill } = SapQR;
  const $ = (id) => document.getElementById(id);

  const confirmForm = $('confirm');
  if (confirmForm) {
    confirmForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const id = confirmForm.dataset.vendor;
      const res = await api('POST', '/vendors/' + encodeURIComponent(id) + '/confirm-transacting', undefined, { 'Idempotency-Key': SapQR.newKey() });
      if (!res.ok) { showErrors(confirmForm, res); return; }
      location.reload();
    });
  }

  // Stalls: adding one by code and releasing one change the vendor, so the
  // page is reloaded to show it as the server now has it (main stall,
  // signs, title).
  const stalls = $('stalls');
  if (stalls) {
    const vendor = '/vendors/' + encodeURIComponent(stalls.dataset.vendor) + '/stalls';
    stalls.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const input = $('stall-code');
      const code = input.value.trim();
      if (!code) {
        showErrors(stalls, { problem: { errors: [{ field: 'stall_code' }] } });
        return;
      }
      const res = await api('POST', vendor, { stall_code: code }, { 'Idempotency-Key': SapQR.newKey() });
      if (!res.ok) { showErrors(stalls, res); return; }
      location.reload();
    });
    $('stall-list').addEventListener('click', async (ev) => {
      const b = ev.target.closest('button[data-release]');
      if (!b || !window.confirm(t('vendor.stall.confirm_release', { code: b.dataset.code }))) return;
      b.disabled = true;
      const res = await api('DELETE', vendor + '/' + encodeURIComponent(b.dataset.release));
      if (!res.ok) { b.disabled = false; showErrors(stalls, res); return; }
      location.reload();
    });
  }

  // The payee check of an account stored unchecked: the holder name the
  // member's own bank app shows on scanning the QR above, or a commune
  // officer's override with a reason. Either reloads the page, whose signs
  // then print; a refusal is shown next to its field, in the page's
  // language.
  const checks = [
    ['verify', 'name-seen', 'name_seen', (v) => ({ method: 'bank_app_name', name_seen: v })],
    ['override', 'override-reason', 'reason', (v) => ({ method: 'officer_override', reason: v })],
  ];
  for (const [formID, inputID, field, body] of checks) {
    const f = $(formID);
    if (!f) continue;
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const v = $(inputID).value.trim().normalize('NFC');
      if (!v) {
        showErrors(f, { problem: { errors: [{ field, code: 'required' }] } });
        return;
      }
      const res = await api('POST', '/vendors/' + encodeURIComponent(f.dataset.vendor) + '/verification', body(v), { 'Idempotency-Key': SapQR.newKey() });
      if (!res.ok) { showErrors(f, res); return; }
      location.reload();
    });
  }

  const link = $('vendor-link');
  if (!link) return;
  let linkID = '';

  // call sends a UI request (outside /api/v1) with the session's CSRF token.
  async function call(method, path) {
    const res = await fetch(path, {
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
    const res = await call('POST', '/ui/vendors/' + encodeURIComponent(link.dataset.vendor) + '/link');
    if (!res.ok) { showErrors(link, res); return; }
    linkID = String(res.data.id);
    const a = $('link-url');
    a.href = res.data.url;
    a.textContent = res.data.url;
    const svg = new DOMParser().parseFromString(res.data.qr_svg, 'image/svg+xml').documentElement;
    svg.setAttribute('class', 'qr-small');
    svg.setAttribute('aria-label', t('vendor.link.qr_label'));
    fill($('link-qr'), svg);
    $('link-new').hidden = false;
    $('link-state').textContent = t('vendor.link.created');
  });

  $('link-revoke').addEventListener('click', async () => {
    if (!linkID || !window.confirm(t('vendor.link.confirm_revoke'))) return;
    const res = await call('DELETE', '/ui/vendor-links/' + encodeURIComponent(linkID));
    if (!res.ok) { showErrors(link, res); return; }
    $('link-new').hidden = true;
    $('link-state').textContent = t('vendor.link.revoked');
    linkID = '';
  });

  // Links made before this page was opened: each row revokes its own link.
  $('link-list').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-revoke]');
    if (!b || !window.confirm(t('vendor.link.confirm_revoke'))) return;
    const res = await call('DELETE', '/ui/vendor-links/' + encodeURIComponent(b.dataset.revoke));
    if (!res.ok) { showErrors(link, res); return; }
    b.closest('li').remove();
    $('link-state').textContent = t('vendor.link.revoked');
  });
})();
