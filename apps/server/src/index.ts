/**
 * @flightdeck/server: the Fastify + tRPC server. The router type is what clients import (type-only).
 */
export { type AppDeps, buildApp } from './app.js';
export { type ConfigFile, configFileSchema, loadConfig, type ResolvedConfig } from './config.js';
export type { LiveEvent, LiveMessage, SnapshotMessage } from './live.js';
export { type AppRouter, appRouter, PUBLIC_PROCEDURES } from './router/index.js';
export { type RunningServer, type StartOptions, startServer } from './server.js';
export {
  createTranscriptFollower,
  type FollowerRuntime,
  TRANSCRIPT_DEFAULTS,
  type TranscriptFollower,
  type TranscriptFollowerOptions,
  type TranscriptFollowerStats,
} from './transcripts/follower.js';
