// esbuild plugin: points each bundled package's native-addon loader at
// src/sea/addon-loader.ts, which unpacks the addon from the SEA's assets
// (the loaders themselves search the disk beside the package and fail once
// bundled). Any other native loader or .node file stops the build: a new
// native dependency must get a row in ADDONS, or it would silently fall back
// in the binaries.
import { join } from 'node:path';

/**
 * One row per addon: which import loads it (request, from which importer),
 * what the bundle gets instead, and where the build finds the file for a
 * platform-arch (relative to the repo root; null = compiled by build/sea/addon-compile.mjs).
 */
export const ADDONS = [
  {
    name: 'sodium-native',
    // sodium-native/index.js does require('./binding'), whose require-addon searches prebuilds/.
    request: /^\.\/binding(\.js)?$/,
    importer: /node_modules\/sodium-native\/index\.js$/,
    stub: (name) => `module.exports = require('./addon-loader').loadEmbeddedAddon(${JSON.stringify(name)});`,
    prebuild: (target) => `node_modules/sodium-native/prebuilds/${target}/sodium-native.node`,
  },
  {
    name: 'serialport',
    // @serialport/bindings-cpp calls require('node-gyp-build')(package dir), which searches prebuilds/.
    request: /^node-gyp-build$/,
    importer: /node_modules\/@serialport\/bindings-cpp\/dist\/serialport-bindings\.js$/,
    stub: (name) => `module.exports = function nodeGypBuild() { return require('./addon-loader').loadEmbeddedAddon(${JSON.stringify(name)}); };`,
    prebuild: (target) => `node_modules/@serialport/bindings-cpp/prebuilds/${target}/@serialport+bindings-cpp.${target === 'linux-arm64' ? 'armv8.' : ''}glibc.node`,
  },
  {
    name: 'timenode',
    // src/wire/native/addon.ts calls require('node-gyp-build')(native/).
    request: /^node-gyp-build$/,
    importer: /src\/wire\/native\/addon\.ts$/,
    stub: (name) => `module.exports = function nodeGypBuild() { return require('./addon-loader').loadEmbeddedAddon(${JSON.stringify(name)}); };`,
    prebuild: null,
  },
];

/** Loaders that only work beside their package on disk. */
const NATIVE_LOADERS = /^(node-gyp-build|node-gyp-build-optional-packages|require-addon|bindings|prebuild-install|node-pre-gyp|@mapbox\/node-pre-gyp)$/;

/** @param {{ root: string, used: Set<string> }} options `used` collects the names of the addons the bundle loads. */
export function addonPlugin({ root, used }) {
  return {
    name: 'timenode-sea-addons',
    setup(build) {
      build.onResolve({ filter: /^\.\/binding(\.js)?$|^[@a-z]|\.node$/ }, (args) => {
        const importer = args.importer.split('\\').join('/');
        const row = ADDONS.find((a) => a.request.test(args.path) && a.importer.test(importer));
        if (row) {
          used.add(row.name);
          return { path: row.name, namespace: 'timenode-addon' };
        }
        if (NATIVE_LOADERS.test(args.path) || args.path.endsWith('.node')) {
          return { errors: [{ text: `${importer} loads a native addon through ${JSON.stringify(args.path)}, which cannot work in a single executable: add a row to ADDONS in build/sea/addon-plugin.mjs` }] };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'timenode-addon' }, (args) => {
        const row = ADDONS.find((a) => a.name === args.path);
        return { contents: row.stub(row.name), loader: 'js', resolveDir: join(root, 'src', 'sea') };
      });
    },
  };
}
