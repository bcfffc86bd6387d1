#!/usr/bin/env node
// Committed launcher, so package managers can link the `odin-ws` bin before the first build.
import '../dist/main.js';
