#!/usr/bin/env node
// cairn's lockfile fixes its AWS SDK version, and cairn supports Node.js 20: the SDK's notice
// that its future releases will need Node.js 22 is for whoever chooses SDK versions, not for
// someone running backups.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// bin/cairn set MALLOC_ARENA_MAX for this process alone (glibc has read it by now): the
// commands cairn runs get the environment cairn was given.
if (process.env.CAIRN_SET_MALLOC_ARENA_MAX === '1') {
  delete process.env.MALLOC_ARENA_MAX;
  delete process.env.CAIRN_SET_MALLOC_ARENA_MAX;
}
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv);
