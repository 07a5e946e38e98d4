#!/usr/bin/env node
// `npm test`: install, then every check: schema-types drift, typecheck, unit
// and integration tests on real Postgres, and the browser end-to-end suite.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { install, root } from './bootstrap.mjs'

install()
const suite = spawn(process.execPath, ['--import', 'tsx', 'src/test-all.ts', ...process.argv.slice(2)], { cwd: path.join(root, 'tools/devstack'), stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => suite.kill(signal))
suite.on('exit', (code) => process.exit(code ?? 1))
