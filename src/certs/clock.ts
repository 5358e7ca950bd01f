// Wall-clock access, injectable so tests can drive rotations deterministically.
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
