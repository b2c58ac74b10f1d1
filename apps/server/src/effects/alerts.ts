/**
 * `alert-fire`: an alert rule fired (core alerts.ts). Handed to the alert service (alerts/service.ts), which sends
 * it on the rule's channels; without one (a runtime built without alerts) it is only logged.
 */
import type { AlertFireEffect } from '@flightdeck/core';
import type { EffectContext, EffectModule } from './types.js';

export type AlertSink = (effect: AlertFireEffect) => void;

export function createAlertEffects(
  ctx: EffectContext,
  sink: AlertSink | undefined,
): EffectModule<'alert-fire'> {
  return {
    handlers: {
      'alert-fire': (eff) => {
        if (sink) sink(eff);
        else ctx.log.debug({ ruleId: eff.ruleId, sessionId: eff.sessionId }, 'alert fired, no alert service');
      },
    },
  };
}
