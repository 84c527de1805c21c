/**
 * The demo single-page app: regal-browser as an npm user has it, without a bundler.
 *
 * It imports dist/regal.esm.browser.js, the npm entry built as one ES module with idb-keyval
 * inlined. (dist/index.js is the same code for bundlers: it leaves `import 'idb-keyval'` to
 * them, which a browser cannot resolve without an import map.)
 *
 * - Client-side routes (history.pushState): every route change sends a page view.
 * - Log in: `identify` with a userId and the contact's email and phone.
 * - Log out: `reset`, so whatever happens next belongs to a new anonymous visitor.
 */
import { createRegal } from '/dist/regal.esm.browser.js';

const regal = createRegal({ endpoint: '/regal', eventSource: 'Web App' });
// For poking at it from the console (and for the end-to-end tests).
window.regal = regal;

const view = document.getElementById('view');

const routes = {
  '/app': {
    title: 'Dashboard',
    render: () => `
      <section class="hero">
        <h1>${signedIn() ? `Welcome back, ${html(signedIn())}` : 'Your solar dashboard'}</h1>
        <p>Production today: 21.4 kWh. You saved $4.12.</p>
      </section>
      <div class="features">
        <div class="card"><h3>This month</h3><p>412 kWh produced, 96% of forecast.</p></div>
        <div class="card"><h3>Battery</h3><p>Charged to 88%.</p></div>
      </div>`,
  },
  '/app/plans': {
    title: 'Plans',
    render: () => `
      <section class="hero"><h1>Plans</h1><p>Add a battery or a second array.</p></section>
      <div class="features">
        <div class="card"><h3>Battery backup</h3><p>13.5 kWh, keeps the lights on.</p>
          <button id="interest" type="button">I'm interested</button></div>
        <div class="card"><h3>EV charger</h3><p>Charge from the sun.</p></div>
      </div>`,
  },
  '/app/account': {
    title: 'Account',
    render: () =>
      signedIn()
        ? `<section class="card"><h2>Signed in as ${html(signedIn())}</h2>
             <button id="logout" type="button" class="secondary">Log out</button></section>`
        : `<section class="card"><h2>Log in</h2>
             <form id="login" class="stack">
               <label>Email <input id="login-email" type="email" autocomplete="email" required /></label>
               <label>Phone <input id="login-phone" type="tel" autocomplete="tel" /></label>
               <button type="submit">Log in</button>
             </form></section>`,
  },
};

function signedIn() {
  return sessionStorage.getItem('demo-user');
}

function html(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Draws the current route and sends its page view (title and URL are already the new ones). */
function render() {
  const route = routes[location.pathname.replace(/\/+$/, '')] || routes['/app'];
  document.title = `${route.title} | Sunbeam Solar app`;
  view.innerHTML = route.render();
  for (const link of document.querySelectorAll('nav a[data-route]')) {
    if (link.pathname === location.pathname) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  regal.page(route.title);
}

function navigate(path) {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  render();
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-route]');
  if (link && !event.metaKey && !event.ctrlKey && !event.shiftKey && event.button === 0) {
    event.preventDefault();
    navigate(link.pathname);
  }
  if (event.target.id === 'interest') regal.track('Upgrade Interest', { product: 'battery' });
  if (event.target.id === 'logout') {
    regal.track('Logged Out');
    regal.reset();
    sessionStorage.removeItem('demo-user');
    navigate('/app');
  }
});

document.addEventListener('submit', (event) => {
  if (event.target.id !== 'login') return;
  event.preventDefault();
  const email = document.getElementById('login-email').value.trim();
  const phone = document.getElementById('login-phone').value.trim();
  // The demo's "account id": a real app would use its own user id here.
  const userId = `user-${email.toLowerCase()}`;
  regal.identify(userId, phone ? { email, phone } : { email });
  regal.track('Logged In');
  sessionStorage.setItem('demo-user', email);
  navigate('/app');
});

window.addEventListener('popstate', render);
render();
