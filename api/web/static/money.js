// SạpQR vendor page: "Tiền vào". Polls the vendor's own feed of money in
// (GET /v/{token}/transfers?after=) every second, so a new amount shows
// within 2 s even on a weak network (a failed poll is simply retried);
// "Bật loa" reads each new amount aloud in Vietnamese; the screen is kept
// awake while the page is open.
'use strict';

(() => {
  const box = document.getElementById('money');
  if (!box) return;
  const t = SapQR.t;
  const feed = box.dataset.feed;
  const list = document.getElementById('money-list');
  const none = document.getElementById('money-none');
  const note = document.getElementById('speaker-note');
  const button = document.getElementById('speaker');
  const digits = new Intl.NumberFormat('vi-VN');
  const timeFmt = new Intl.DateTimeFormat('vi-VN', { hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', timeZone: 'Asia/Ho_Chi_Minh' });
  let last = 0;
  let loaded = false; // the first answer lists what arrived before the page opened: shown, not said
  let speaking = false;
  let voice = null;

  // vietnameseVoice is the browser's Vietnamese voice, if it has one.
  // Android reports "vi_VN": compare case-insensitively with _ as -.
  function vietnameseVoice() {
    if (!('speechSynthesis' in window)) return null;
    const vs = window.speechSynthesis.getVoices() || [];
    return vs.find((v) => String(v.lang).toLowerCase().replace('_', '-').startsWith('vi')) || null;
  }

  // chime is the fallback without a Vietnamese voice: two short tones, so
  // the vendor at least hears that money arrived.
  function chime() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      const ctx = chime.ctx || (chime.ctx = new AC());
      [880, 1320].forEach((f, i) => {
        const o = ctx.createOscillator();
        const g = ctx.createGain();
        o.frequency.value = f;
        g.gain.value = 0.2;
        o.connect(g).connect(ctx.destination);
        o.start(ctx.currentTime + i * 0.18);
        o.stop(ctx.currentTime + i * 0.18 + 0.15);
      });
    } catch (e) { /* no audio: the amount is on screen */ }
  }

  // say reads text aloud: with the Vietnamese voice when there is one,
  // else a chime and the text with lang vi-VN (Android needs lang set).
  function say(text) {
    if (!voice) chime();
    if (!('speechSynthesis' in window)) return;
    const u = new SpeechSynthesisUtterance(text);
    u.lang = 'vi-VN';
    if (voice) u.voice = voice;
    window.speechSynthesis.speak(u);
  }

  button.addEventListener('click', () => {
    speaking = true;
    voice = vietnameseVoice();
    box.dataset.voice = voice ? voice.name : 'none';
    note.textContent = voice ? t('link.money.voice', { voice: voice.name }) : t('link.money.no_voice');
    button.textContent = t('link.money.speaker_active');
    button.setAttribute('aria-pressed', 'true');
    // Inside the tap, so the browser allows speech from now on.
    say(t('link.money.enabled'));
  });

  function item(tr, fresh) {
    const li = document.createElement('li');
    li.dataset.id = tr.id;
    if (fresh) li.className = 'new';
    const amount = document.createElement('p');
    amount.className = 'amount';
    amount.textContent = digits.format(tr.amount) + ' đ';
    const words = document.createElement('p');
    words.className = 'words';
    words.textContent = tr.amount_words;
    const meta = document.createElement('p');
    meta.className = 'meta';
    meta.textContent = timeFmt.format(new Date(tr.received_at)) + (tr.memo ? ' · ' + tr.memo : '');
    li.append(amount, words, meta);
    return li;
  }

  async function poll() {
    let items = [];
    let answered = false;
    try {
      const r = await fetch(feed + '?after=' + last, { headers: { 'Accept': 'application/json' }, cache: 'no-store' });
      if (r.ok) {
        items = (await r.json()).items || [];
        answered = true;
      }
      note.textContent = note.textContent === t('link.money.offline') ? '' : note.textContent;
    } catch (e) {
      note.textContent = t('link.money.offline');
    }
    const first = !loaded;
    if (answered) loaded = true;
    // Newest first: insert the oldest new one first so the newest ends on top.
    for (const tr of items.slice().reverse()) {
      if (tr.id <= last) continue;
      list.prepend(item(tr, !first));
      last = tr.id;
      if (speaking && !first) say(t('link.money.heard', { words: tr.amount_words }));
    }
    if (list.children.length) none.hidden = true;
    setTimeout(poll, 1000);
  }

  // Keep the screen awake while the page is open, where the browser can.
  async function stayAwake() {
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
    try { await navigator.wakeLock.request('screen'); } catch (e) { /* refused: nothing to do */ }
  }
  document.addEventListener('visibilitychange', stayAwake);
  stayAwake();
  poll();
})();
