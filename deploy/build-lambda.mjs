// Bundles the Lambda handler (src/lambda/handler.ts) and everything it imports, the AWS SDK
// included, into dist-lambda/index.mjs, and zips it as dist-lambda/cairn-lambda.zip.
// Handler: index.handler, runtime nodejs20.x.
import { build } from 'esbuild';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ZipFile } from 'yazl';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist-lambda');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src/lambda/handler.ts')],
  outfile: join(out, 'index.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  // Some dependencies call require(); an ES module bundle needs one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
// The deployable zip, with a fixed mtime so the same sources give the same bytes.
const zip = new ZipFile();
zip.addFile(join(out, 'index.mjs'), 'index.mjs', { mtime: new Date('2000-01-01T00:00:00Z'), mode: 0o100644 });
zip.end();
const file = createWriteStream(join(out, 'cairn-lambda.zip'));
zip.outputStream.pipe(file);
await once(file, 'close');
const kib = (f) => `${Math.round(statSync(join(out, f)).size / 1024)} KiB`;
console.log(
  `dist-lambda/index.mjs ${kib('index.mjs')}, dist-lambda/cairn-lambda.zip ${kib('cairn-lambda.zip')}`,
);
