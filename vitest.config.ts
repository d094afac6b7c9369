import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          // test/e2e holds the chaos suite (also alone: `make chaos`).
          include: ['test/integration/**/*.it.test.ts', 'test/e2e/**/*.e2e.test.ts'],
          // Starts real Kafka, SeaweedFS, etcd, kube-apiserver, kube-controller-manager and the real node.
          globalSetup: ['stack/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: one test file at a time keeps timings honest and the broker responsive.
          fileParallelism: false,
        },
      },
    ],
  },
})
