/**
 * Loaded with `node --require` into the process test/infra/runtime.test.ts starts as the Pulumi
 * language host starts a program: it only watches. When Pulumi's run.ts registers ts-node
 * (ts-node stores its service at process[Symbol.for('ts-node.register.instance')]), the probe
 * writes the options ts-node will compile the program with to $TSNODE_PROBE_OUT. With
 * TSNODE_PROBE_EXIT=1 it then exits at once, before anything is compiled.
 */
'use strict';
const fs = require('node:fs');

const INSTANCE = Symbol.for('ts-node.register.instance');
let service;
Object.defineProperty(process, INSTANCE, {
  configurable: true,
  get: () => service,
  set(value) {
    service = value;
    fs.writeFileSync(
      process.env.TSNODE_PROBE_OUT,
      JSON.stringify({
        configFilePath: value.configFilePath ?? null,
        transpileOnly: value.options.transpileOnly === true,
        compilerOptions: value.config.options,
      }),
    );
    if (process.env.TSNODE_PROBE_EXIT === '1') process.exit(0);
  },
});
