import { DbInputError } from '@flightdeck/db';
import type { StorePort, StoreReader } from '../ports.js';
import { StoreBehindError } from '../store/index.js';
import { TRPCError } from '../trpc.js';

/**
 * Runs a repository call against the database once it holds everything acknowledged (`StorePort.read`): invalid
 * input reported by the DB layer becomes BAD_REQUEST naming the field; a database that cannot catch up,
 * SERVICE_UNAVAILABLE.
 */
export async function repo<T>(
  store: Pick<StorePort, 'read'>,
  fn: (reader: StoreReader) => Promise<T>,
): Promise<T> {
  try {
    return await store.read(fn);
  } catch (err) {
    if (err instanceof DbInputError)
      throw new TRPCError({ code: 'BAD_REQUEST', message: err.message, cause: err });
    if (err instanceof StoreBehindError)
      throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: err.message, cause: err });
    throw err;
  }
}
