// Vendor sign-up: form, bank search, sign preview and the offline queue.
// Every submission goes into IndexedDB first with its own Idempotency-Key
// and is sent from there, so a lost signal loses nothing and a retry after
// a timeout registers nobody twice (the server replays the first answer).
'use strict';

(() => {
  const { t, api, el, plain, newKey, cacheGet, cachePut, items, showErrors, clearErrors, problemText, fill } = SapQR;
  const $ = (id) => document.getElementById(id);
  const form = $('signup');
  const market = $('market');
  const stall = $('stall');
  const stallNew = $('stall-new');
  const fullName = $('full-name');
  const phone = $('phone');
  const bankQ = $('bank-q');
  const bankList = $('bank-list');
  const bankChosen = $('bank-chosen');
  const bin = $('bin');
  const account = $('account');
  const holder = $('holder');
  const consent = $('consent');
  const NEW = '__new';
  // Registrations belong to who recorded them: on a shared phone, the
  // queue sends only the logged-in user's, under their name.
  const me = (document.querySelector('meta[name="sapqr-user"]') || {}).content || '';

  let banks = [];
  let markets = [];

  // ---- IndexedDB queue -------------------------------------------------
  const memQueue = new Map(); // used only where IndexedDB is unavailable
  let dbp = null;
  function db() {
    if (dbp) return dbp;
    dbp = new Promise((resolve) => {
      if (!('indexedDB' in window)) { resolve(null); return; }
      const req = indexedDB.open('sapqr', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('queue', { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
    });
    return dbp;
  }
  async function tx(mode, fn) {
    const d = await db();
    if (!d) return fn(null);
    return new Promise((resolve, reject) => {
      const x = d.transaction('queue', mode);
      const store = x.objectStore('queue');
      let out;
      Promise.resolve(fn(store)).then((v) => { out = v; });
      x.oncomplete = () => resolve(out);
      x.onerror = () => reject(x.error);
    });
  }
  function queueAll() {
    return tx('readonly', (s) => {
      if (!s) return Array.from(memQueue.values());
      return new Promise((resolve) => {
        const r = s.getAll();
        r.onsuccess = () => resolve(r.result.sort((a, b) => a.created - b.created));
      });
    });
  }
  function queuePut(item) { return tx('readwrite', (s) => (s ? s.put(item) : memQueue.set(item.key, item))); }
  function queueDel(key) { return tx('readwrite', (s) => (s ? s.delete(key) : memQueue.delete(key))); }

  // ---- reference data ---------------------------------------------------
  async function loadBanks() {
    banks = cacheGet('banks') || [];
    const res = await api('GET', '/banks');
    if (res.ok) {
      banks = items(res.data).map((b) => ({ bin: b.bin, short: b.short_name || b.code || b.bin, code: b.code || '', name: b.name || '', old: !!b.deprecated }));
      cachePut('banks', banks);
    }
  }

  async function loadMarkets() {
    markets = cacheGet('markets') || [];
    const res = await api('GET', '/markets?limit=200');
    if (res.ok) {
      markets = items(res.data).map((m) => ({ id: String(m.id), name: m.name }));
      cachePut('markets', markets);
    }
    fill(market, el('option', { value: '' }, t('signup.market.choose')),
      ...markets.map((m) => el('option', { value: m.id }, m.name)));
    // The market asked for in the link (from a market page), else the only
    // one, else the one used last on this phone.
    const want = [SapQR.param('market'), markets.length === 1 ? markets[0].id : '', cacheGet('last-market')];
    const pick = want.find((id) => id && markets.some((m) => m.id === id));
    if (pick) market.value = pick;
    if (market.value) await loadStalls();
  }

  // loadStalls lists the market's stalls with the free ones first. A stall
  // is free when it is active and no active vendor holds it, as the
  // server's occupancy list says: which stalls are free, nothing of the
  // vendors holding the others.
  let stallLoads = 0; // only the latest load may render (answers can cross)

  async function loadStalls() {
    const seq = ++stallLoads;
    const id = market.value;
    if (!id) {
      fill(stall, el('option', { value: '' }, t('signup.stall.choose')));
      return;
    }
    cachePut('last-market', id);
    let list = cacheGet('stalls:' + id) || [];
    const res = await api('GET', '/markets/' + encodeURIComponent(id) + '/occupancy');
    if (res.ok && res.data && Array.isArray(res.data.items)) {
      list = res.data.items.map((s) => ({ code: s.code, free: !!s.free }));
      cachePut('stalls:' + id, list);
    }
    if (seq === stallLoads) renderStalls(list);
  }

  // renderStalls fills the stall picker, keeping the user's choice when
  // it is still free.
  function renderStalls(list) {
    const keep = stall.value;
    const byCode = (a, b) => a.code.localeCompare(b.code, 'vi', { numeric: true });
    const free = list.filter((s) => s.free).sort(byCode);
    const taken = list.filter((s) => !s.free).sort(byCode);
    const opts = [el('option', { value: '' }, t('signup.stall.choose'))];
    if (free.length) opts.push(el('optgroup', { label: t('signup.stall.free', { n: free.length }) }, free.map((s) => el('option', { value: s.code }, s.code))));
    opts.push(el('option', { value: NEW }, t('signup.stall.other')));
    if (taken.length) opts.push(el('optgroup', { label: t('signup.stall.taken') }, taken.map((s) => el('option', { value: s.code, disabled: true }, s.code))));
    fill(stall, ...opts);
    if (keep && Array.from(stall.options).some((o) => o.value === keep && !o.disabled)) stall.value = keep;
    toggleNew();
  }

  function toggleNew() { $('stall-new-field').hidden = stall.value !== NEW; }
  function stallCode() { return (stall.value === NEW ? stallNew.value : stall.value).trim().toUpperCase(); }

  // ---- bank search --------------------------------------------------------
  function fold(s) { return plain(s).replace(/\s/g, ''); }
  function searchBanks(q) {
    const f = fold(q);
    if (!f) return [];
    const scored = [];
    for (const b of banks) {
      if (b.old && b.bin !== q.trim()) continue; // superseded BIN: apps use the other one
      const short = fold(b.short), code = fold(b.code), name = fold(b.name);
      let score = -1;
      if (short === f || code === f || b.bin === q.trim()) score = 0;
      else if (short.startsWith(f) || code.startsWith(f)) score = 1;
      else if (short.includes(f) || code.includes(f) || b.bin.startsWith(q.trim())) score = 2;
      else if (name.includes(f)) score = 3;
      if (score >= 0) scored.push([score, b]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1].short.localeCompare(b[1].short));
    return scored.slice(0, 6).map((x) => x[1]);
  }
  function renderBankList() {
    const found = searchBanks(bankQ.value);
    fill(bankList, ...found.map((b) => el('li', {},
      el('button', { type: 'button', 'data-bin': b.bin, onclick: () => chooseBank(b) },
        el('strong', {}, b.code || b.short), b.short !== b.code ? b.short + ' · ' : '', b.bin))));
  }
  function chooseBank(b) {
    bin.value = b.bin;
    bankQ.value = b.short;
    fill(bankList);
    bankChosen.textContent = t('signup.bank.chosen', { short: b.short, name: b.name, bin: b.bin });
    account.focus();
  }
  function bankOf(code) { return banks.find((b) => b.bin === code); }

  // ---- holder name ---------------------------------------------------------
  fullName.addEventListener('input', () => {
    if (!holder.dataset.edited) holder.value = plain(fullName.value);
  });
  holder.addEventListener('input', () => {
    holder.dataset.edited = holder.value && holder.value !== plain(fullName.value) ? '1' : '';
  });
  holder.addEventListener('blur', () => { holder.value = plain(holder.value); });

  // ---- validation and preview -----------------------------------------------
  function body() {
    const b = {
      market_id: /^\d+$/.test(market.value) ? Number(market.value) : market.value,
      stall_code: stallCode(),
      full_name: fullName.value.trim().normalize('NFC'),
      phone: phone.value.replace(/\D/g, ''),
      consent: consent.checked,
      bank_account: {
        bin: bin.value,
        account_number: account.value.replace(/\D/g, ''),
        holder_name: plain(holder.value),
      },
    };
    // The payee check: the holder name the member's own bank app showed on
    // scanning the preview. Without it the vendor is saved unverified and
    // its sign does not print.
    // What the team helped the vendor with today, for the reports.
    const assisted = Array.from(form.querySelectorAll('input[name=assisted]:checked'), (c) => c.value);
    if (assisted.length) b.assisted = assisted;
    const seen = $('name-seen').value.trim();
    if (seen) b.bank_account.confirmation = { method: 'bank_app_name', name_seen: seen };
    return b;
  }

  // check finds what is plainly missing before anything is queued; the
  // server still validates everything and its answer wins.
  function check(b) {
    const errors = [];
    const add = (field, key) => errors.push({ field, message: t(key) });
    if (!b.market_id) add('market_id', 'err.field.market_id');
    if (!b.stall_code) add(stall.value === NEW ? 'stall_code_new' : 'stall_code', 'err.field.stall_code');
    if (!b.full_name) add('full_name', 'err.field.full_name');
    if (!/^0\d{9,10}$/.test(b.phone)) add('phone', 'err.field.phone');
    if (!b.bank_account.bin) add('bank_account.bin', 'err.field.bank_account.bin');
    if (!/^\d{6,19}$/.test(b.bank_account.account_number)) add('bank_account.account_number', 'err.field.bank_account.account_number');
    if (!b.bank_account.holder_name) add('bank_account.holder_name', 'err.field.bank_account.holder_name');
    if (!b.consent) add('consent', 'err.field.consent');
    // The server compares the same way (merchants.NamesMatch); a different
    // name means the account number or bank is probably wrong: nothing is
    // saved or printed.
    const c = b.bank_account.confirmation;
    if (c && b.bank_account.holder_name && fold(c.name_seen) !== fold(b.bank_account.holder_name)) {
      add('bank_account.confirmation.name_seen', 'err.field.bank_account.confirmation.name_seen');
    }
    return errors;
  }

  function mask(acct) { return acct.length <= 4 ? acct : '•••• ' + acct.slice(-4); }

  async function preview() {
    const b = body();
    const errors = check(b);
    if (errors.length) {
      showErrors(form, { problem: { errors } });
      $('preview').hidden = true;
      return;
    }
    clearErrors(form);
    const m = markets.find((x) => x.id === String(b.market_id));
    const bank = bankOf(b.bank_account.bin) || { short: b.bank_account.bin, name: '' };
    const sign = $('sign-preview');
    const qrSlot = el('div', { class: 'noqr', id: 'qr-slot' }, t('signup.preview.qr_loading'));
    fill(sign,
      el('p', { class: 'muted' }, m ? m.name : ''),
      el('p', { class: 'stall' }, t('sign.stall', { code: b.stall_code })),
      el('p', { class: 'vendor' }, b.full_name),
      qrSlot,
      el('p', {}, bank.short, ' · ', mask(b.bank_account.account_number)),
      el('p', {}, b.bank_account.holder_name),
      el('p', { class: 'guide' }, t('sign.guide')));
    $('preview').hidden = false;
    delete $('preview').dataset.ready;
    $('name-seen').focus();
    $('preview').scrollIntoView({ block: 'start' });
    const res = await fetch('/ui/preview', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': SapQR.csrf() },
      body: JSON.stringify({ bin: b.bank_account.bin, account_number: b.bank_account.account_number, holder_name: b.bank_account.holder_name }),
    }).catch(() => null);
    // data-ready marks the preview complete, QR or not.
    const ready = () => { $('preview').dataset.ready = '1'; };
    if (!res) { qrSlot.textContent = t('signup.preview.qr_offline'); ready(); return; }
    const data = await res.json().catch(() => null);
    if (!res.ok || !data || !data.svg) {
      showErrors(form, { status: res.status, problem: data });
      qrSlot.textContent = t('signup.preview.qr_failed');
      ready();
      return;
    }
    const svg = new DOMParser().parseFromString(data.svg, 'image/svg+xml').documentElement;
    svg.setAttribute('class', 'qr');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', t('sign.qr_label'));
    svg.dataset.payload = data.payload;
    qrSlot.replaceWith(svg);
    ready();
  }

  // ---- queue: submit and send ---------------------------------------------
  async function submit(ev) {
    ev.preventDefault();
    const b = body();
    const errors = check(b);
    if (errors.length) { showErrors(form, { problem: { errors } }); return; }
    // A corrected registration is a new request: a new Idempotency-Key
    // (the old key with another body would be refused), and the refused
    // one leaves the queue.
    const item = { key: newKey(), body: b, user: me, created: Date.now(), state: 'pending', tries: 0 };
    await queuePut(item);
    if (editing) {
      await queueDel(editing);
      editing = '';
    }
    resetForm();
    $('saved').textContent = t(navigator.onLine ? 'signup.queued' : 'signup.queued_offline', { name: b.full_name, stall: b.stall_code });
    await renderQueue();
    flush();
  }

  function resetForm() {
    const keep = market.value;
    form.reset();
    market.value = keep;
    holder.dataset.edited = '';
    bin.value = '';
    bankChosen.textContent = '';
    fill(bankList);
    $('preview').hidden = true;
    clearErrors(form);
    toggleNew();
  }

  let flushing = false;
  let retryTimer = 0;
  let backoff = 5000;

  function later() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, backoff);
    backoff = Math.min(backoff * 2, 60000);
  }

  // flush sends every pending submission, oldest first. Network failures
  // and server trouble keep the item for a later try; a refusal (4xx) marks
  // it failed so the user can correct it.
  async function flush() {
    if (flushing) return;
    flushing = true;
    let refused = null;
    try {
      for (const item of await queueAll()) {
        if (item.state !== 'pending' || (item.user && item.user !== me)) continue;
        const res = await api('POST', '/vendors', item.body, { 'Idempotency-Key': item.key });
        if (res.ok) {
          await queueDel(item.key);
          sent(item, res.data || {});
          backoff = 5000;
          continue;
        }
        const transient = res.offline || res.status >= 500 || res.status === 429 || res.status === 408 ||
          (res.problem && res.problem.code === 'idempotency_key_in_progress');
        if (transient) { later(); break; }
        if (res.status === 401 || (res.problem && res.problem.code === 'csrf_failed')) {
          $('saved').textContent = '';
          $('net-status').textContent = t('signup.login_again');
          break;
        }
        item.state = 'failed';
        item.problem = res.problem;
        item.status = res.status;
        await queuePut(item);
        refused = refused || item;
      }
    } finally {
      flushing = false;
      await renderQueue();
    }
    // A refusal comes back into an empty form at once, each message next
    // to its field (a stall taken, an account already registered), rather
    // than waiting for a tap on Sửa.
    if (refused && !editing && !fullName.value && !account.value) await edit(refused);
  }

  function sent(item, v) {
    const b = item.body;
    const link = v.id !== undefined ? el('a', { href: '/ui/vendors/' + encodeURIComponent(v.id) }, t('signup.sent.open')) : '';
    fill($('saved'), t('signup.sent', { name: b.full_name, stall: b.stall_code }), ' ', link);
    const key = 'stalls:' + b.market_id;
    const list = cacheGet(key);
    if (list) {
      const s = list.find((x) => x.code === b.stall_code);
      if (s) s.free = false; else list.push({ code: b.stall_code, free: false });
      cachePut(key, list);
      if (String(b.market_id) === market.value) renderStalls(list);
    }
  }

  // edit brings a refused registration back into the form with its
  // errors. It stays in the queue until its corrected version is saved, so
  // leaving the page loses nothing.
  let editing = '';

  async function edit(item) {
    // Already in the form (brought back when it was refused): filling it
    // again would undo what the user has corrected since.
    if (editing === item.key) { showErrors(form, { status: item.status, problem: item.problem }); return; }
    editing = item.key;
    const b = item.body;
    market.value = String(b.market_id);
    await loadStalls();
    if (Array.from(stall.options).some((o) => o.value === b.stall_code && !o.disabled)) stall.value = b.stall_code;
    else { stall.value = NEW; stallNew.value = b.stall_code; }
    toggleNew();
    fullName.value = b.full_name;
    phone.value = b.phone;
    consent.checked = b.consent;
    for (const c of form.querySelectorAll('input[name=assisted]')) c.checked = (b.assisted || []).includes(c.value);
    const bank = bankOf(b.bank_account.bin);
    if (bank) chooseBank(bank); else bin.value = b.bank_account.bin;
    account.value = b.bank_account.account_number;
    holder.value = b.bank_account.holder_name;
    holder.dataset.edited = holder.value !== plain(fullName.value) ? '1' : '';
    showErrors(form, { status: item.status, problem: item.problem });
    await renderQueue();
  }

  // renderQueue shows the logged-in user's registrations waiting on this
  // phone; another user's stay hidden until that user logs in again.
  async function renderQueue() {
    const list = (await queueAll()).filter((item) => !item.user || item.user === me);
    $('queue-count').textContent = String(list.length);
    $('queue-empty').hidden = list.length > 0;
    fill($('queue'), ...list.map((item) => {
      const b = item.body;
      const failed = item.state === 'failed';
      return el('li', { 'data-key': item.key, 'data-state': item.state },
        el('span', { class: 'badge ' + (failed ? 'failed' : 'pending') }, t(failed ? 'signup.queue.failed' : 'signup.queue.pending')), ' ',
        b.full_name, ' · ', t('sign.stall', { code: b.stall_code }),
        failed ? el('div', {}, el('span', { class: 'field-error' }, problemText({ status: item.status, problem: item.problem })),
          el('button', { type: 'button', class: 'secondary', onclick: () => edit(item) }, t('signup.queue.edit'))) : '');
    }));
  }

  function netStatus() {
    $('net-status').textContent = navigator.onLine ? '' : t('signup.offline');
  }

  // ---- wiring -----------------------------------------------------------------
  market.addEventListener('change', loadStalls);
  stall.addEventListener('change', toggleNew);
  bankQ.addEventListener('input', () => { bin.value = ''; bankChosen.textContent = ''; renderBankList(); });
  $('preview-btn').addEventListener('click', preview);
  form.addEventListener('submit', submit);
  // A change to what the sign shows hides the preview; typing the name the
  // bank app showed for it does not.
  form.addEventListener('input', (ev) => { if (ev.target.id !== 'name-seen') $('preview').hidden = true; });
  $('retry-btn').addEventListener('click', () => { backoff = 5000; flush(); });
  // Back online: send now, and if the network is not quite there yet,
  // try again soon (1 s, 2 s, 4 s…) rather than after a long back-off.
  window.addEventListener('online', () => { netStatus(); backoff = 1000; flush(); });
  window.addEventListener('offline', netStatus);
  setInterval(() => { if (navigator.onLine) flush(); }, 30000);

  // The service worker keeps this page openable without a signal; it
  // needs a secure context (HTTPS or localhost) and is skipped elsewhere.
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/ui/sw.js', { scope: '/ui/' }).catch(() => {});
  }

  netStatus();
  renderQueue();
  Promise.all([loadBanks(), loadMarkets()]).then(flush);
})();
