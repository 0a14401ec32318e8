import { describe, expect, it } from 'vitest';
import { oncePerObject } from './once-per-object.js';

describe('oncePerObject', () => {
  it('derives once per object, each object its own value, undefined included', () => {
    const calls: object[] = [];
    const derive = oncePerObject((key: { name: string }) => {
      calls.push(key);
      return key.name === 'none' ? undefined : { of: key.name };
    });
    const a = { name: 'a' };
    const b = { name: 'a' };
    const none = { name: 'none' };
    expect(derive(a)).toBe(derive(a));
    expect(derive(b)).not.toBe(derive(a));
    expect(derive(b)).toEqual({ of: 'a' });
    expect(derive(none)).toBeUndefined();
    expect(derive(none)).toBeUndefined();
    expect(calls).toEqual([a, b, none]);
  });
});
