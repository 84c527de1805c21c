import { defineConfig } from 'vitest/config';

// Four suites, one runner: fast unit tests in happy-dom, integration tests over real HTTP
// against demo/'s servers, end-to-end tests in real Chromium against the built bundle, and
// the guarantee tests (test/browser/guarantees/) once more in WebKit, the engine of every
// browser on an iPhone.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'happy-dom',
          setupFiles: ['test/unit/setup.ts'],
          // One happy-dom page for all unit files, not a fresh one per file: building the
          // page and re-importing the modules cost more than the tests themselves (unit
          // project ~150 s isolated, ~35 s not, on this 2-core machine). setup.ts gives each
          // file a clean start (storage, cookies, timers, stubs); the files also pass in a
          // shuffled order (--sequence.shuffle.files), so none depends on another.
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One Chromium at a time: the machine has two cores.
          fileParallelism: false,
          provide: { engine: 'chromium' },
        },
      },
      {
        test: {
          name: 'webkit',
          include: ['test/browser/guarantees/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One MiniBrowser at a time (one per visitor), for the same reason.
          fileParallelism: false,
          provide: { engine: 'webkit' },
        },
      },
    ],
  },
});
