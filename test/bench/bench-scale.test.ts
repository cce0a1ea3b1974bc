import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The tests run from dist/test/bench; the script is the compiled one, as npm run bench:scale runs it.
const SCRIPT = fileURLToPath(new URL('../../scripts/bench-scale/main.js', import.meta.url));
const SCENARIOS = [
  'client_credentials, JWT', 'client_credentials, opaque', 'introspection of a JWT', 'admin list, first page', 'admin list, page at 90 %',
  'admin list, by client_name', 'admin GET of one client',
];

function runScaleBench(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--experimental-async-context-frame', SCRIPT], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * npm run bench:scale at a size of seconds, only to prove the script works on both stores: it
 * writes the clients and tokens, serves them, measures every scenario and reports every target.
 * Its figures are not judged here (no timed assertion): PASS or FAIL are both a finished run.
 */
describe('npm run bench:scale, at a tiny size', () => {
  test('runs every phase on both stores and reports each scenario, the costs, the tokens and the targets', async () => {
    const { code, stdout, stderr } = await runScaleBench({
      BENCH_SCALE_CLIENTS: '30,120', BENCH_SCALE_TOKENS: '3000', BENCH_SCALE_BACKENDS: 'sqlite,mongodb', BENCH_SCALE_SECONDS: '1', BENCH_SCALE_CONNECTIONS: '4',
      BENCH_SCALE_TOKEN_TTL: '2', BENCH_SCALE_SWEEP_SECONDS: '1', BENCH_SCALE_STEADY_SECONDS: '6', BENCH_SCALE_SOAK_MINUTES: '0',
      BENCH_SCALE_WARMUP_SECONDS: '0', BENCH_SCALE_EXPIRY_LEAD_SECONDS: '0',
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    for (const store of ['sqlite', 'mongodb']) {
      for (const clients of ['30', '120']) {
        for (const scenario of SCENARIOS) {
          expect(stdout).toMatch(new RegExp(`^${store}\\s+${clients}\\s+${scenario.replace(/[,%]/g, (character) => `\\${character}`)}\\s+[\\d,]+\\s`, 'm'));
        }
      }
      expect(stdout).toMatch(new RegExp(`^${store}: 3,000 tokens written at [\\d,]+/s, start-up [\\d.]+ s, expiry by (sweep|ttl-index)`, 'm'));
      expect(stdout).toMatch(new RegExp(`^(PASS|FAIL)  ${store}: issuance with 3,000 tokens stored`, 'm'));
      expect(stdout).toMatch(new RegExp(`^(PASS|FAIL)  ${store}: admin GET of one client at 120`, 'm'));
      expect(stdout).toMatch(new RegExp(`^(PASS|FAIL)  ${store}: the stored tokens are removed within one sweep interval of expiring: [\\d,]+ rows at \\d+ s`, 'm'));
    }
    // The sweep ran during the steady phase and removed the stored tokens, whose lifetime was 2 s.
    expect(stdout).toMatch(/^sweep at s/m);
  }, 300_000);
});
