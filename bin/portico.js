#!/usr/bin/env node
// The `portico` command runs the compiled CLI; `npm run portico -- …` builds it first.
require('../dist/src/cli/main.js');
