// The import rules of src/ (npm run lint:deps): no circle of files, no file that nothing uses, and
// the layering of docs/design.md ("Layering"): folders import downward only. Tests sit beside the
// code and may import across folders; they are left out.

/** The levels of docs/design.md, bottom first. A folder imports its own level's folder and the levels below, never a peer. */
const LEVELS = [
  // web/: page and HTTP helpers that need nothing of the bridge's state (escaping, page headers,
  // forms, sessions, constant-time compares), so server/ and authorization/ share one copy.
  ['fs', 'web'],
  ['config'],
  ['tokens'],
  ['oauth'],
  ['login'],
  ['approvals', 'proxy', 'authorization', 'demo'],
  ['server'],
]

/** Leaves any file may import: they import nothing of src/. */
const LEAVES = [
  '^src/errors\\.ts$',
  '^src/version\\.ts$',
  '^src/canonical-json\\.ts$',
  '^src/cli/commands-named\\.ts$',
]

/** A rule per folder: files of `folder` import nothing of src/ but their own folder, the levels below and the leaves. */
function downwardOnly(folder, below) {
  return {
    name: `${folder}-imports-downward`,
    comment: `src/${folder}/ may import ${below.length ? below.map((name) => `${name}/`).join(', ') : 'no other folder'} and the leaves (docs/design.md, Layering)`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: {
      path: '^src/',
      pathNot: [`^src/${folder}/`, ...below.map((name) => `^src/${name}/`), ...LEAVES],
    },
  }
}

const folderRules = LEVELS.flatMap((level, index) => {
  const below = LEVELS.slice(0, index).flat().reverse()
  return level.map((folder) => downwardOnly(folder, below))
})

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Files that import each other in a circle, type-only imports and lazy import() included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A module that no other imports is dead code, unless it is an entry point.',
      severity: 'error',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '^src/cli\\.ts$', '^src/index\\.ts$'] },
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
      comment:
        'Shipped code imports only dependencies (devDependencies are not installed with the package).',
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
      name: 'entries-are-edges',
      comment: 'src/cli.ts (the binary) and src/index.ts (the library) are imported by nothing.',
      severity: 'error',
      from: {},
      to: { path: ['^src/cli\\.ts$', '^src/index\\.ts$'] },
    },
    {
      name: 'only-cli-imports-cli',
      comment:
        'cli/ is the top: only src/cli.ts imports it, and others only its leaf cli/commands-named.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/cli\\.ts$'] },
      to: { path: '^src/cli/', pathNot: LEAVES },
    },
    {
      name: 'leaves-import-nothing',
      comment:
        'errors.ts, version.ts, canonical-json.ts and cli/commands-named.ts import nothing of src/, so any file may use them.',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: '^src/' },
    },
    ...folderRules,
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
  },
}
