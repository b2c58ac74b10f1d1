import type { Api } from '../src/data/types.js';

/**
 * An `Api` standing in for the server in component tests: the methods a test provides, the others reject (so a
 * view calling something unexpected fails loudly instead of getting made-up data).
 */
export function testApi(methods: Partial<Api>): Api {
  return new Proxy(methods as Api, {
    get(target, prop: string) {
      const own = (target as unknown as Record<string, unknown>)[prop];
      if (own !== undefined) return own;
      return () => Promise.reject(new Error(`Api.${prop} is not part of this test`));
    },
  });
}
