// Dashboard: copy the unit's one-sentence summary for a Zalo group. The
// clipboard API needs a secure context; on plain http the text is
// selected and copied the older way.
'use strict';

(() => {
  const btn = document.getElementById('summary-copy');
  if (!btn) return;
  const text = document.getElementById('summary-text');
  const status = document.getElementById('summary-status');
  btn.addEventListener('click', async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text.value);
      ok = true;
    } catch (e) {
      text.focus();
      text.select();
      try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
    }
    status.textContent = SapQR.t(ok ? 'dash.summary.copied' : 'dash.summary.copy_failed');
  });
})();
