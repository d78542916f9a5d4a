#!/usr/bin/env node
// cairn's lockfile fixes its AWS SDK version, and cairn supports Node.js 20: the SDK's notice
// that its future releases will need Node.js 22 is for whoever chooses SDK versions, not for
// someone running backups.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv);
