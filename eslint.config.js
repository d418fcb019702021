// The linter (npm run lint): ESLint's and typescript-eslint's recommended rules over the code
// of src/, test/, scripts/ and templates/. Formatting is Prettier's job (.prettierrc.json), and
// the import rules are dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Selectors for a string or template that spells out `mcp-oauth-bridge <command>` itself. */
function spelledOutCommand() {
  const commands =
    'add|login|logout|init|start|key|doctor|token|connect|policy|approvals|open|clients|remove'
  const pattern = `/mcp-oauth-bridge (${commands})\\b/`
  const message = 'Name the command with commandLine or command() from src/cli/commands-named.ts.'
  return [
    { selector: `Literal[value=${pattern}]`, message },
    { selector: `TemplateElement[value.raw=${pattern}]`, message },
  ]
}

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', '.conformance-results/', '.conformance-tools/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
    rules: {
      // Untrusted text is checked for control characters on purpose (URLs, client metadata, terminal output).
      'no-control-regex': 'off',
      // `_name` marks a parameter a signature needs but the body does not use (tsc's noUnusedParameters agrees).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Messages name commands through cli/commands-named.ts, so a renamed command changes in one place.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...spelledOutCommand()],
    },
  },
  {
    // The approvals page's script runs in the browser, as a classic script.
    files: ['templates/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
)
