// Log in: the API answers with a session cookie (kept for the working day)
// and the page goes where the user was heading.
'use strict';

(() => {
  const { api, showErrors, t } = SapQR;
  const form = document.getElementById('login');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = form.username.value.trim();
    const password = form.password.value;
    const errors = [];
    if (!username) errors.push({ field: 'username', message: t('err.field.username') });
    if (!password) errors.push({ field: 'password', message: t('err.field.password') });
    if (errors.length) { showErrors(form, { problem: { errors } }); return; }
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    const res = await api('POST', '/auth/login', { username, password });
    btn.disabled = false;
    if (!res.ok) {
      if (res.status === 401) res.problem = { code: 'login_failed' };
      showErrors(form, res);
      return;
    }
    // The server checked ?next= (localRedirect in api/ui.go) and put the
    // result here: only a path on this site, so a link cannot send the
    // user away.
    location.assign(form.dataset.next || '/ui/');
  });
})();
