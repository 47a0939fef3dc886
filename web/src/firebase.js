// Firebase set-up from Hosting's reserved /__/firebase/init.json. Locally, devtools/web_server.py
// serves the same file with an `emulators` key, so one build runs against the emulators or the
// deployed project.
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';

export async function startFirebase() {
  const response = await fetch('/__/firebase/init.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`Could not load the Firebase configuration (${response.status}).`);
  const { emulators, ...options } = await response.json();
  const app = initializeApp(options);
  const auth = getAuth(app);
  const db = getFirestore(app);
  if (emulators) {
    // The emulator banner would cover the composer on a phone; the page says "local" instead.
    connectAuthEmulator(auth, emulators.auth, { disableWarnings: true });
    const [host, port] = emulators.firestore.split(':');
    connectFirestoreEmulator(db, host, Number(port));
  }
  return { app, auth, db, local: Boolean(emulators) };
}
