/**
 * Binding of the runtime's CorePort to @flightdeck/core.
 */
import { initialState, reduce, rehydrate } from '@flightdeck/core';
import type { CorePort } from './ports.js';

export const coreAdapter: CorePort = { initialState, reduce, rehydrate };
