// Set a password through a one-time link, then go to the login page.
'use strict';

(() => {
  const { api, showErrors, t } = SapQR;
  const form = document.getElementById('activate');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const password = form.password.value;
    const errors = [];
    if (password.length < 10) errors.push({ field: 'password', message: t('activate.too_short') });
    else if (form.confirm.value !== password) errors.push({ field: 'confirm', message: t('activate.mismatch') });
    if (errors.length) { showErrors(form, { problem: { errors } }); return; }
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    const res = await api('POST', '/auth/activate', { token: form.dataset.token, password });
    btn.disabled = false;
    if (!res.ok) { showErrors(form, res); return; }
    location.assign('/ui/login?activated=1');
  });
})();
