// SạpQR shared browser code: messages, the JSON API client and error
// display. No dependencies, no build step; every page loads this file first.
'use strict';

const SapQR = (() => {
  const msgEl = document.getElementById('sapqr-messages');
  const M = msgEl ? JSON.parse(msgEl.textContent) : {};

  // t returns the message for key in the page's language, with {name}
  // placeholders filled from vars; an unknown key returns itself so a
  // missing message is visible rather than blank.
  function t(key, vars) {
    let s = Object.prototype.hasOwnProperty.call(M, key) ? M[key] : key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    }
    return s;
  }

  // csrfToken is the current session's CSRF token. The cookie comes first:
  // it changes with every login, while a page kept open (or reloaded from
  // the cache) may carry the token of an older session.
  function csrfToken() {
    // Named __Host-sapqr_csrf when the server marks its cookies Secure.
    const m = document.cookie.match(/(?:^|;\s*)(?:__Host-)?sapqr_csrf=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }

  // api calls the JSON API on the same origin with the session cookie and
  // the CSRF header. It resolves to {ok, status, data, problem, offline}:
  // offline is true when the request never got an answer (no network),
  // problem is the parsed application/problem+json body of an error.
  async function api(method, path, body, headers) {
    const h = Object.assign({ 'Accept': 'application/json' }, headers || {});
    const init = { method, headers: h, credentials: 'same-origin' };
    if (method !== 'GET' && method !== 'HEAD') {
      h['X-CSRF-Token'] = csrfToken();
    }
    if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch('/api/v1' + path, init);
    } catch (e) {
      return { ok: false, status: 0, offline: true, data: null, problem: null };
    }
    let data = null;
    const ct = res.headers.get('Content-Type') || '';
    if (ct.includes('json')) {
      try { data = await res.json(); } catch (e) { data = null; }
    }
    // A read without a session goes to the login page (which brings the
    // user back); a change is left to its caller, so the sign-up queue can
    // keep its items and say what to do instead of leaving the page.
    if (res.status === 401 && method === 'GET') {
      toLogin();
    }
    return {
      ok: res.ok, status: res.status, offline: false,
      data: res.ok ? data : null,
      problem: res.ok ? null : (data || { status: res.status }),
    };
  }

  function toLogin() {
    const next = location.pathname + location.search;
    location.assign('/ui/login?next=' + encodeURIComponent(next));
  }

  // fieldErrors turns a problem's per-field errors into {field: message}.
  // The API sends errors either as an object {field: message} or as a list
  // of {field, code, message}; both are accepted. The message shown is the
  // catalogue's, in the page's language: by field and code, by code, then
  // by field (err.field.<name>, which says what is allowed); the API's own
  // English text is the last resort.
  function fieldErrors(problem) {
    const out = {};
    if (!problem || !problem.errors) return out;
    const add = (field, code, message) => {
      const f = String(field || '').replace(/^body\./, '');
      const keys = [];
      // A conflict names the field it is about (a stall taken, an account
      // already registered): its own message, not the field's format rule.
      if (problem.code === 'conflict') keys.push('err.conflict.' + f);
      if (code) keys.push('err.' + f + '.' + code, 'err.' + code);
      keys.push('err.field.' + f);
      let msg = '';
      for (const k of keys) {
        if (k in M) { msg = M[k]; break; }
      }
      out[f] = msg || message || t('err.invalid');
    };
    if (Array.isArray(problem.errors)) {
      for (const e of problem.errors) add(e.field || e.name || e.pointer, e.code, e.message || e.detail);
    } else if (typeof problem.errors === 'object') {
      for (const [f, v] of Object.entries(problem.errors)) {
        if (v && typeof v === 'object') add(f, v.code, v.message || v.detail);
        else add(f, '', String(v));
      }
    }
    return out;
  }

  // problemText is the message for a whole-form error.
  function problemText(res) {
    if (res.offline) return t('err.offline');
    const p = res.problem || {};
    if (p.code && ('err.' + p.code) in M) return M['err.' + p.code];
    if (res.status === 403) return t('err.forbidden');
    if (res.status === 404) return t('err.not_found');
    if (res.status === 429) return t('err.rate_limited');
    if (res.status >= 500) return t('err.server');
    return p.detail || p.title || t('err.invalid');
  }

  // clearErrors removes every error shown in form.
  function clearErrors(form) {
    form.querySelectorAll('.field-error').forEach((el) => { el.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    const a = form.querySelector('.alert[data-form-alert]');
    if (a) a.textContent = '';
  }

  // showErrors puts each field's message next to the input that carries
  // data-field="<api field name>"; errors for fields the form does not show
  // go to the form's alert together with the problem's summary.
  function showErrors(form, res) {
    clearErrors(form);
    const errs = fieldErrors(res.problem);
    const rest = [];
    let first = null;
    for (const [field, msg] of Object.entries(errs)) {
      const input = form.querySelector('[data-field="' + CSS.escape(field) + '"]');
      const slot = input && form.querySelector('#' + CSS.escape(input.id) + '-error');
      if (slot) {
        slot.textContent = msg;
        input.setAttribute('aria-invalid', 'true');
        first = first || input;
      } else {
        rest.push(msg);
      }
    }
    const alert = form.querySelector('.alert[data-form-alert]');
    if (alert) {
      if (rest.length) alert.textContent = rest.join(' ');
      else if (!Object.keys(errs).length) alert.textContent = problemText(res);
      else alert.textContent = t('err.check_fields');
    }
    if (first) first.focus();
    return errs;
  }

  // el builds an element: el('td', {class: 'num'}, 'text', child...).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of flatten(children)) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // flatten turns nested lists of children into one list (Array.flat is
  // missing from the oldest browsers still on cheap phones).
  function flatten(list) {
    const out = [];
    for (const c of list) {
      if (Array.isArray(c)) out.push(...flatten(c));
      else out.push(c);
    }
    return out;
  }

  // fill replaces parent's children (Element.replaceChildren is Chrome 86+).
  function fill(parent, ...children) {
    parent.textContent = '';
    for (const c of flatten(children)) {
      if (c === null || c === undefined) continue;
      parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  const nf = new Intl.NumberFormat(document.documentElement.lang === 'en' ? 'en-US' : 'vi-VN');
  function num(n) { return nf.format(n || 0); }
  function pct(r) { return nf.format(Math.round((r || 0) * 1000) / 10) + '%'; }

  // plain removes Vietnamese diacritics and upper-cases, the way bank apps
  // show an account holder's name ("Nguyễn Thị Hà" → "NGUYEN THI HA").
  function plain(s) {
    return String(s || '')
      .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/g, 'd').replace(/Đ/g, 'D')
      .replace(/[^A-Za-z0-9 ]/g, ' ').replace(/\s+/g, ' ').trim().toUpperCase();
  }

  // newKey returns a random Idempotency-Key. crypto.getRandomValues works
  // on plain http too (randomUUID needs a secure context).
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  function param(name) { return new URLSearchParams(location.search).get(name) || ''; }

  // cacheGet/cachePut keep reference lists (banks, markets, stalls) in
  // localStorage so the sign-up page works after the signal is lost.
  function cacheGet(key) {
    try { return JSON.parse(localStorage.getItem('sapqr:' + key) || 'null'); } catch (e) { return null; }
  }
  function cachePut(key, v) {
    try { localStorage.setItem('sapqr:' + key, JSON.stringify(v)); } catch (e) { /* full: fine */ }
  }

  // items returns the rows of a list response ({items:[…]} or a bare list).
  function items(data) {
    if (Array.isArray(data)) return data;
    if (data && Array.isArray(data.items)) return data.items;
    if (data && Array.isArray(data.data)) return data.data;
    return [];
  }

  // all follows cursor pagination until the list ends or limit rows.
  async function all(path, limit) {
    const out = [];
    let cursor = '';
    for (let i = 0; i < 50; i++) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await api('GET', path + (cursor ? sep + 'cursor=' + encodeURIComponent(cursor) : ''));
      if (!res.ok) return out.length ? out : res;
      out.push(...items(res.data));
      cursor = res.data && (res.data.next_cursor || res.data.cursor || '');
      if (!cursor || out.length >= (limit || 5000)) break;
    }
    return out;
  }

  // forgetSent deletes from the sign-up queue (IndexedDB) every
  // registration that reached the server, refused ones included; those
  // not sent yet stay for their author's next login.
  function forgetSent() {
    return new Promise((resolve) => {
      if (!('indexedDB' in window)) { resolve(); return; }
      const req = indexedDB.open('sapqr', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('queue', { keyPath: 'key' });
      req.onerror = () => resolve();
      req.onsuccess = () => {
        const d = req.result;
        const x = d.transaction('queue', 'readwrite');
        const cur = x.objectStore('queue').openCursor();
        cur.onsuccess = () => {
          const c = cur.result;
          if (!c) return;
          if (c.value.state !== 'pending') c.delete();
          c.continue();
        };
        x.oncomplete = x.onerror = x.onabort = () => { d.close(); resolve(); };
      };
    });
  }

  document.addEventListener('click', async (ev) => {
    const a = ev.target.closest('[data-logout]');
    if (!a) return;
    ev.preventDefault();
    await api('POST', '/auth/logout');
    // Nothing of this session stays on a shared phone: not the pages the
    // service worker kept, not the lists cached for offline use, not what
    // the queue already sent.
    if (window.caches) {
      for (const k of await caches.keys()) await caches.delete(k);
    }
    for (const k of Object.keys(localStorage)) {
      if (k.startsWith('sapqr:')) localStorage.removeItem(k);
    }
    await forgetSent();
    location.assign('/ui/login');
  });

  // Downloading a sign records its print: a POST with the CSRF header,
  // made here when the user asks for the PDF, so that a GET of a PDF
  // (or a link to one on another site) changes no count.
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[data-print]');
    if (!a) return;
    const d = a.dataset, body = {};
    if (d.printStall) body.stall_id = Number(d.printStall);
    if (d.printSize) body.size = d.printSize;
    if (d.printSheet) body.sheet = d.printSheet;
    if (d.printOnly) body.only = d.printOnly;
    api('POST', d.print, body, { 'Idempotency-Key': newKey() });
  });

  return { t, csrf: csrfToken, api, all, items, fieldErrors, showErrors, clearErrors, problemText, el, fill, num, pct, plain, newKey, param, cacheGet, cachePut, toLogin };
})();
