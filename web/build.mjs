// Builds the web app into Hosting's public dir: `node web/build.mjs` (run by `make install`).
// Bundles with esbuild (pinned in package.json); file names carry a content hash so that a
// deployed index.html (served with no-cache, see firebase.json) never mixes two builds.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const out = join(web, '..', 'public');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await build({
  entryPoints: { app: join(web, 'src', 'main.js'), styles: join(web, 'src', 'styles.css') },
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // App Check's reCAPTCHA Enterprise site key (public), for a deployment that uses App Check.
  define: { __APP_CHECK_SITE_KEY__: JSON.stringify(process.env.IMAGECHAT_APP_CHECK_SITE_KEY ?? '') },
});

const outputs = Object.entries(result.metafile.outputs);
const named = (entry) => {
  const found = outputs.find(([, meta]) => meta.entryPoint?.endsWith(entry));
  if (!found) throw new Error(`esbuild produced no output for ${entry}`);
  return `assets/${basename(found[0])}`;
};

const html = (await readFile(join(web, 'index.html'), 'utf8'))
  .replace('%APP_JS%', named('src/main.js'))
  .replace('%STYLES_CSS%', named('src/styles.css'));
await writeFile(join(out, 'index.html'), html);
await copyFile(join(web, 'favicon.svg'), join(out, 'favicon.svg'));
console.log(`built the web app into ${out}`);
