// Regenerates test/vectors/objects.json after a deliberate change to a layout
// or to the chosen inputs:
//   node build/compile.mjs && node lib/test/vectors/write-objects.js
// then run /usr/bin/python3 test/vectors/check_vectors.py before committing it:
// a changed file is only right if the independent checker agrees.
import fs from 'node:fs';
import { OBJECTS_JSON, buildObjectVectors } from './objects';

fs.writeFileSync(OBJECTS_JSON, `${JSON.stringify(buildObjectVectors(), null, 1)}\n`);
console.log(`wrote ${OBJECTS_JSON}`);
