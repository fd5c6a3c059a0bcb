import { describe, expect, it } from 'vitest';
import { hasRole, toRole } from './roles';

describe('roles', () => {
  it('orders roles from viewer to admin', () => {
    expect(hasRole('admin', 'operator')).toBe(true);
    expect(hasRole('operator', 'editor')).toBe(true);
    expect(hasRole('editor', 'operator')).toBe(false);
    expect(hasRole('viewer', 'editor')).toBe(false);
  });
  it('treats unknown role strings as the weakest role', () => {
    expect(toRole('root')).toBe('viewer');
    expect(toRole(undefined)).toBe('viewer');
    expect(toRole('operator')).toBe('operator');
  });
});
