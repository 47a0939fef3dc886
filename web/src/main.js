// Entry point: starts Firebase, then shows the sign-in screen or the chat page for the user.
import { onAuthStateChanged } from 'firebase/auth';
import { createApi } from './api.js';
import { h } from './dom.js';
import { startFirebase } from './firebase.js';
import { ChatPage } from './views/chat-page.js';
import { SignInScreen } from './views/sign-in-screen.js';

const root = document.getElementById('app');

async function start() {
  const services = await startFirebase();
  services.api = createApi(services.auth);
  let page = null;
  let shownUid;
  onAuthStateChanged(services.auth, (user) => {
    // Linking an anonymous account keeps its uid: the chat page stays as it is.
    if ((user?.uid ?? null) === shownUid) return;
    shownUid = user?.uid ?? null;
    page?.destroy?.();
    page = user ? new ChatPage(services, user) : new SignInScreen(services);
    root.replaceChildren(page.el);
    page.focus?.();
  });
}

start().catch((error) => {
  root.replaceChildren(h('div', { class: 'boot', role: 'alert' },
    h('h1', {}, 'Image Chat could not start'), h('p', {}, error.message)));
});
