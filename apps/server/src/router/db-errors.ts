import { DbInputError } from '@flightdeck/db';
import { TRPCError } from '../trpc.js';

/** Runs a repository call; invalid input reported by the DB layer becomes BAD_REQUEST naming the field. */
export async function repo<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DbInputError)
      throw new TRPCError({ code: 'BAD_REQUEST', message: err.message, cause: err });
    throw err;
  }
}
