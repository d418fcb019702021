// The import rules of src/ (npm run lint:deps): no circle of files, no file that nothing uses, and
// the folder directions of docs/design.md ("Layering"). Tests sit beside the code and may import
// across folders; they are left out.
//
// Top to bottom; a folder imports only folders below it:
//   cli (and src/cli.ts)          may import anything
//   demo                          login oauth tokens config fs
//   server                        authorization approvals proxy login oauth tokens config fs
//   authorization                 oauth tokens config fs, and the server's page kit (PAGE_KIT)
//   approvals | proxy             tokens config fs; proxy also oauth; never each other
//   login                         oauth tokens config fs
//   oauth                         tokens config fs
//   tokens                        config fs
//   config                        fs
//   fs                            -
// errors.ts, version.ts and cli/commands-named.ts (the sentences that name a command) are leaves
// that every folder may import. src/index.ts, the library entry, may import anything but cli and
// demo.

/** Leaves every folder may import. */
const LEAVES = ['^src/errors\\.ts$', '^src/version\\.ts$', '^src/cli/commands-named\\.ts$']

/** What of src/server/ the bridge's authorization server (its consent and clients pages) uses. */
const PAGE_KIT = ['^src/server/pages/(html|sessions|local-time)\\.ts$', '^src/server/guard\\.ts$']

/** A rule: files of `folder` import nothing of src/ but their own folder, `below` and the leaves. */
function mayImport(folder, below, extra = []) {
  const own = [folder, ...below].map((name) => `^src/${name}/`)
  return {
    name: `${folder}-imports-only-below`,
    comment: `src/${folder}/ may import ${below.length ? below.join(', ') : 'no other folder'}${extra.length ? ' and ' + extra.join(', ') : ''} (docs/design.md, Layering)`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: [...own, ...LEAVES, ...extra] },
  }
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other in a circle, type-only imports and lazy import() included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A module that no other imports is dead code, unless it is an entry point.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: ['\\.d\\.ts$', '^src/cli\\.ts$', '^src/index\\.ts$'],
      },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file or package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'Shipped code imports only dependencies (devDependencies are not installed with the package).',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-package-missing',
      comment: 'A package that package.json does not list.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'only-cli-imports-cli',
      comment: 'Nothing below the command line imports it, except the leaf cli/commands-named.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/cli\\.ts$'] },
      to: { path: '^src/cli/', pathNot: LEAVES },
    },
    {
      name: 'only-cli-imports-demo',
      comment: 'The demo is started by the demo command only.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/demo/'] },
      to: { path: '^src/demo/' },
    },
    {
      name: 'leaves-import-nothing',
      comment: 'errors.ts, version.ts and cli/commands-named.ts import nothing of src/, so any folder may use them.',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: '^src/' },
    },
    mayImport('demo', ['login', 'oauth', 'tokens', 'config', 'fs']),
    mayImport('server', ['authorization', 'approvals', 'proxy', 'login', 'oauth', 'tokens', 'config', 'fs']),
    mayImport('authorization', ['oauth', 'tokens', 'config', 'fs'], PAGE_KIT),
    mayImport('approvals', ['tokens', 'config', 'fs']),
    mayImport('proxy', ['oauth', 'tokens', 'config', 'fs']),
    mayImport('login', ['oauth', 'tokens', 'config', 'fs']),
    mayImport('oauth', ['tokens', 'config', 'fs']),
    mayImport('tokens', ['config', 'fs']),
    mayImport('config', ['fs']),
    mayImport('fs', []),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
}
