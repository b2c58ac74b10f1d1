import { describe, expect, it } from 'vitest';
import { themeColor, withAlpha } from '../src/components/ChartCanvas.js';

describe('chart colours', () => {
  it('adds an alpha to hex and to resolved rgb() colours', () => {
    expect(withAlpha('#4f7cff', 0.5)).toBe('rgba(79, 124, 255, 0.5)');
    expect(withAlpha('#fff', 0.2)).toBe('rgba(255, 255, 255, 0.2)');
    expect(withAlpha('rgb(112, 150, 255)', 0.3)).toBe('rgba(112, 150, 255, 0.3)');
    expect(withAlpha('hsl(0 0% 0%)', 0.3)).toBe('hsl(0 0% 0%)');
  });

  it('falls back when the theme has no such colour', () => {
    expect(themeColor('--c-not-a-theme-colour', '#123456')).toMatch(/^(#123456|rgb\(18, 52, 86\))$/);
  });
});
