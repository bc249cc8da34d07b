import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED, renderStatusAssets } from '../../scripts/build-status-assets.ts';
import { STATUS_ASSETS } from '../../src/status/assets.generated.ts';

describe('status page assets', () => {
  it('the committed generated module matches src/status/assets (run node scripts/build-status-assets.ts)', () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(renderStatusAssets());
  });

  it('are under 200 KB in all', () => {
    const bytes = Object.values(STATUS_ASSETS).reduce((n, s) => n + Buffer.byteLength(s), 0);
    expect(bytes).toBeLessThan(200 * 1024);
  });

  it('load nothing from outside the agent (air-gapped)', () => {
    expect(STATUS_ASSETS.html).not.toMatch(/https?:\/\//);
    expect(STATUS_ASSETS.css).not.toMatch(/https?:\/\/|@import|url\(/);
    // The only URL in the script is the SVG namespace, an identifier that is never fetched.
    expect(STATUS_ASSETS.js.match(/https?:\/\/[^'"\s]*/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect([...STATUS_ASSETS.html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1])).toEqual([
      'data:,',
      '/status/app.css',
      '/status/app.js',
      '/api/status',
      '/metrics',
    ]);
    // Untrusted text (payloads, messages) only ever reaches the DOM as textContent.
    expect(STATUS_ASSETS.js).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(/);
  });
});
