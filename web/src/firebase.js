// Firebase set-up from Hosting's reserved /__/firebase/init.json. Locally, devtools/web_server.py
// serves the same file with an `emulators` key, so one build runs against the emulators or the
// deployed project.
import { initializeApp } from 'firebase/app';
import { CustomProvider, ReCaptchaEnterpriseProvider, getToken, initializeAppCheck } from 'firebase/app-check';
import { connectAuthEmulator, getAuth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';

export async function startFirebase() {
  const response = await fetch('/__/firebase/init.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`Could not load the Firebase configuration (${response.status}).`);
  const { emulators, appCheck: appCheckConfig, ...options } = await response.json();
  const app = initializeApp(options);
  const appCheck = startAppCheck(app, appCheckConfig);
  const auth = getAuth(app);
  const db = getFirestore(app);
  if (emulators) {
    // The emulator banner would cover the composer on a phone; the page says "local" instead.
    connectAuthEmulator(auth, emulators.auth, { disableWarnings: true });
    const [host, port] = emulators.firestore.split(':');
    connectFirestoreEmulator(db, host, Number(port));
  }
  return { app, auth, db, appCheck, local: Boolean(emulators) };
}

// Firebase App Check (docs/api.md): the site key of the app's reCAPTCHA Enterprise registration is
// set at build time (IMAGECHAT_APP_CHECK_SITE_KEY, web/build.mjs). Locally init.json asks for the
// debug provider: App Check has no emulator, so with enforcement off (the local default) the token,
// if the debug exchange works at all, just rides along. Without either, App Check stays off.
function startAppCheck(app, config) {
  const siteKey = __APP_CHECK_SITE_KEY__;
  if (config?.debug) {
    // `true`: a debug token made and kept by the browser; a string: one registered in the console.
    globalThis.FIREBASE_APPCHECK_DEBUG_TOKEN = config.debugToken || true;
    const provider = siteKey ? new ReCaptchaEnterpriseProvider(siteKey)
      : new CustomProvider({ getToken: () => Promise.reject(new Error('debug provider only')) });
    return initializeAppCheck(app, { provider, isTokenAutoRefreshEnabled: false });
  }
  if (!siteKey) return null;
  const provider = new ReCaptchaEnterpriseProvider(siteKey);
  return initializeAppCheck(app, { provider, isTokenAutoRefreshEnabled: true });
}

// How long a REST call waits for an App Check token. Offline (`make dev`, the tests) the debug
// exchange with Google never answers: a call must not hang on it.
const APP_CHECK_WAIT_MS = 1000;
// The debug exchange failed once: locally there is no App Check service to reach, so stop asking.
let debugExchangeFailed = false;

/** The X-Firebase-AppCheck header for a REST call: empty when App Check is off or has no token. */
export async function appCheckHeaders(appCheck) {
  if (!appCheck || debugExchangeFailed) return {};
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('App Check token timed out')), APP_CHECK_WAIT_MS);
  });
  try {
    const { token } = await Promise.race([getToken(appCheck, false), timeout]);
    return { 'X-Firebase-AppCheck': token };
  } catch {
    // No token (offline debug exchange, throttled): the server decides whether it needs one.
    if (globalThis.FIREBASE_APPCHECK_DEBUG_TOKEN) debugExchangeFailed = true;
    return {};
  } finally {
    clearTimeout(timer);
  }
}
