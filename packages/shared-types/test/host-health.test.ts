import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HOST_THRESHOLDS,
  hostConnection,
  loadPercent,
  metricLevel,
  sharePercent,
} from '../src/host-health.js';

describe('host health', () => {
  it.each([
    ['cpu', 49.9, 'ok'],
    ['cpu', 50, 'warn'],
    ['cpu', 80, 'danger'],
    ['memory', 69, 'ok'],
    ['memory', 70, 'warn'],
    ['memory', 85, 'danger'],
    ['swap', 30, 'warn'],
    ['swap', 60, 'danger'],
    ['disk', null, 'ok'],
  ] as const)('%s at %s%% is %s', (metric, percent, level) => {
    expect(metricLevel(percent, DEFAULT_HOST_THRESHOLDS[metric])).toBe(level);
  });

  it('turns used/total and load per core into shares, unknown when the total is', () => {
    expect(sharePercent(512, 2048)).toBe(25);
    expect(sharePercent(0, 0)).toBeNull(); // no swap at all
    expect(sharePercent(null, 100)).toBeNull();
    expect(loadPercent(1, 4)).toBe(25);
    expect(loadPercent(12, 4)).toBe(100); // capped
    expect(loadPercent(1, 0)).toBeNull();
  });

  it('says a host is offline once it has not reported for longer than the offline time', () => {
    expect(hostConnection(null, 1_000, 30_000)).toBe('never');
    expect(hostConnection(1_000, 31_000, 30_000)).toBe('online');
    expect(hostConnection(1_000, 31_001, 30_000)).toBe('offline');
  });
});
