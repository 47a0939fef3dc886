// "Open in new chat": a new chat that starts from one of the user's images (a library image as
// `library://<id>`, or an output's storagePath) without calling the model (docs/api.md, startImage).
import { chatHash } from './routes.js';

/** Creates the chat and shows it (the chat page follows the fragment); returns its id. */
export async function openInNewChat(api, startImage) {
  const { id } = await api.createSession({ startImage });
  window.location.hash = chatHash(id);
  return id;
}
