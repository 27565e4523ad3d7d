import type { Clock } from '../../src/clock.js';

/** A clock tests move by hand: TTLs and deprecation dates never depend on today or on sleeping. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}
