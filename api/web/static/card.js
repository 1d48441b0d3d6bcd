// The QR that travels: a share card's button sends the PNG through the
// phone's share sheet (Web Share API with files) where the browser can;
// elsewhere it stays hidden and the download link does the job.
'use strict';

(() => {
  if (!navigator.canShare || !navigator.share) return;
  const probe = new File([new Uint8Array([0x89])], 'sapqr.png', { type: 'image/png' });
  if (!navigator.canShare({ files: [probe] })) return;
  for (const box of document.querySelectorAll('[data-card]')) {
    const btn = box.querySelector('button[data-share]');
    const status = box.querySelector('[role=status]');
    if (!btn) continue;
    btn.hidden = false;
    btn.addEventListener('click', async () => {
      if (status) status.textContent = '';
      try {
        const res = await fetch(box.dataset.card, { credentials: 'same-origin' });
        if (!res.ok) throw new Error('card: ' + res.status);
        const file = new File([await res.blob()], box.dataset.cardName, { type: 'image/png' });
        await navigator.share({ files: [file], title: box.dataset.cardTitle });
      } catch (e) {
        // Closing the share sheet is not a failure.
        if (e && e.name === 'AbortError') return;
        if (status) status.textContent = SapQR.t('vendor.card.share_failed');
      }
    });
  }
})();
