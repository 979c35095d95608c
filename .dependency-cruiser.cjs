// The floors of src/ (README, "How the code is laid out"), checked by
// `npm run lint:layers` in `npm test`: every import points down, and no cycles.
//   cli/ sea/ bench/         commands, the devnet runner, the single-file entry, benchmarks
//   node/                    the composition root: builds the node from the floors below
//   chain/ → net/            the domain may use connections (handlers take a PeerConnection,
//                            relay sends through the registry); connections never use the domain
//   wire/  crypto/           bytes, frames, codec; hashing, signatures, ciphers
//   base/                    config types and defaults, logging, atomic files, the memory budget,
//                            the record of hot-path backend choices
const floor = (name, mayUse, why) => ({
  name: `${name}-imports-down`,
  comment: why,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/${name}/`, ...mayUse.map((f) => `^src/${f}/`)] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle means a piece is in the wrong room: move it down, or split it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    floor('base', [], 'base/ is the ground floor: everything may use it, it uses nothing of ours.'),
    floor('wire', ['base'], 'wire/ (frames, codec) sits on base/ only: bytes know nothing of peers or the domain.'),
    floor('crypto', ['base'], 'crypto/ sits on base/ only: a cipher knows nothing of frames or peers.'),
    floor('net', ['base', 'wire', 'crypto'], 'net/ carries messages; it never depends on the chain (chain/ uses net/, not the other way).'),
    floor('chain', ['base', 'wire', 'crypto', 'net'], 'chain/ is the domain above net/: it may use connections, never the composition root or the commands.'),
    floor('node', ['base', 'wire', 'crypto', 'net', 'chain'], 'node/ composes the floors below; commands sit above it.'),
    {
      name: 'shipped-code-never-imports-tests',
      comment:
        'src/ and bench/ ship (`timenode bench` runs on the board); test/ sits on top of both. ' +
        'bench/hotpath.ts and bench/serial-line.ts are run by hand from a source tree, on the test harness, and do not ship.',
      severity: 'error',
      from: { path: '^(src|bench)/', pathNot: '^bench/(hotpath|serial-line)\\.ts$' },
      to: { path: '^test/' },
    },
    {
      name: 'only-commands-import-the-bench',
      comment: 'bench/ is a top floor beside cli/: only the commands (cli/, and sea/ for the single binary) start it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|sea)/' },
      to: { path: '^bench/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
