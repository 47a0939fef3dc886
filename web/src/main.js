// Entry point: starts Firebase, then shows the chat page for a signed-in user; signed out, the
// sign-in screen, or a shared project's page (#/projects/<uid>/<slug>: public projects need no account).
import { onAuthStateChanged } from 'firebase/auth';
import { createApi } from './api.js';
import { h } from './dom.js';
import { startFirebase } from './firebase.js';
import { routeFromHash } from './routes.js';
import { ChatPage } from './views/chat-page.js';
import { PublicProjectScreen } from './views/public-project-screen.js';
import { SignInScreen } from './views/sign-in-screen.js';

const root = document.getElementById('app');

async function start() {
  const services = await startFirebase();
  services.api = createApi(services.auth, services.appCheck);
  let page = null;
  let shownKey;
  let user;
  const show = () => {
    const route = routeFromHash();
    // Linking an anonymous account keeps its uid: the chat page stays as it is.
    let key = user ? `user:${user.uid}` : 'sign-in';
    if (!user && route.kind === 'project') key = `project:${route.uid}/${route.slug}`;
    if (key === shownKey) return;
    shownKey = key;
    page?.destroy?.();
    if (user) page = new ChatPage(services, user);
    else if (route.kind === 'project') page = new PublicProjectScreen(services, route);
    else page = new SignInScreen(services);
    root.replaceChildren(page.el);
    page.focus?.();
  };
  onAuthStateChanged(services.auth, (next) => {
    user = next;
    show();
  });
  // Signed in, the chat page follows the fragment itself; signed out, it picks the screen.
  window.addEventListener('hashchange', () => { if (user === null) show(); });
}

start().catch((error) => {
  root.replaceChildren(h('div', { class: 'boot', role: 'alert' },
    h('h1', {}, 'Image Chat could not start'), h('p', {}, error.message)));
});
