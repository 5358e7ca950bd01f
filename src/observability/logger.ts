// One pino logger for the process. Objects are only ever logged under the keys
// below, and their serializers redact Secret data wherever they appear.
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { redactSecretData } from './redact.ts';

export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'kadmit' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: {
      object: redactSecretData,
      oldObject: redactSecretData,
      request: redactSecretData,
      review: redactSecretData,
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
