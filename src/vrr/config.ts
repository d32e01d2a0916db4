// Protocol parameters of one node, with the defaults the VRR paper suggests (and why where we differ).

import type { Address } from './address.ts';

/** Every tunable of a VrrNode. Durations in ms; "hellos" count hello periods. */
export interface VrrConfig {
  address: Address;
  /** r: virtual set size, even; r/2 members on each side of the ring. */
  vsetSize: number;
  /** Hello period. */
  helloMs: number;
  /** Each hello period is drawn uniformly in helloMs * (1 ± helloJitter) so neighbours do not synchronise. */
  helloJitter: number;
  /**
   * Hello period while the neighbour set is changing (from start, and for a period after any change): links come
   * up and bootstrap candidates spread in fractions of a period (hello-pacer.ts). Default: a quarter period.
   */
  fastHelloMs: number;
  /** Two hellos never go out closer than this on a port (hello-pacer.ts). Default: a twentieth of a period. */
  minHelloGapMs: number;
  /**
   * A linked neighbour unheard for this many of this node's own periods fails (its hold time). Silence is counted
   * only while this node runs on time (Links.checkSilence), so a starved host does not fail its neighbours.
   */
  failAfterHellos: number;
  /** A neighbour entry unheard for this many periods is forgotten. */
  forgetAfterHellos: number;
  /** With no linked active neighbour for this many periods, a local-minimum node activates itself. */
  bootstrapHellos: number;
  /** Link quality is the share of the last qualityWindow hellos received. */
  qualityWindow: number;
  /** A link may become linked only at or above this quality (hysteresis upper bound). */
  qualityUp: number;
  /** A linked link whose quality falls below this fails (hysteresis lower bound). */
  qualityDown: number;
  /** First retransmission of an unacknowledged reliable control packet after this long (doubles each try). */
  ackTimeoutMs: number;
  /** Retransmissions before the neighbour is declared failed. */
  maxRetransmits: number;
  /** setup_req attempts toward one target before giving up. */
  setupAttempts: number;
  /** Wait before the first setup_req retry (doubles each try). */
  setupRetryMs: number;
  /** Hop limit of originated data packets. */
  hopLimit: number;
  /** A representative record is usable this many periods after its sequence last increased. */
  repValidHellos: number;
  /**
   * The self-check of the vset runs this many periods after the vset changes. Not sooner: while a ring forms, vsets
   * change every period, and most of what an early check would find, the vsets that setups carry bring anyway.
   */
  selfCheckFirstHellos: number;
  /** The self-check of the vset backs off to one every this many periods in a stable ring. */
  selfCheckMaxHellos: number;
  /** A refused or failed target is not asked again for this many periods. */
  refusalHoldHellos: number;
  /**
   * K of the path check (src/vrr/path-check.ts): an endpoint probes each of its paths once it has gone K periods
   * unverified, at most ceil(E / K) probes a period for E paths; so every path is probed within 2K periods. 0: off.
   */
  pathCheckHellos: number;
}

/** Defaults; `helloMs`-relative values are computed by resolveConfig. */
export const DEFAULT_CONFIG: Omit<VrrConfig, 'address' | 'setupRetryMs' | 'fastHelloMs' | 'minHelloGapMs'> & {
  setupRetryMs: number | null;
  fastHelloMs: number | null;
  minHelloGapMs: number | null;
} = {
  vsetSize: 4,
  helloMs: 1000,
  helloJitter: 0.1,
  fastHelloMs: null,
  minHelloGapMs: null,
  // Not 4: a neighbour whose host stalls for up to 3 periods goes silent for up to 3 + 1.1 periods (the stall,
  // after a hello period drawn at its longest), and must not be failed for it (issue 18).
  failAfterHellos: 5,
  forgetAfterHellos: 8,
  bootstrapHellos: 2,
  qualityWindow: 10,
  qualityUp: 0.6,
  qualityDown: 0.3,
  ackTimeoutMs: 150,
  maxRetransmits: 5,
  setupAttempts: 4,
  setupRetryMs: null,
  hopLimit: 255,
  repValidHellos: 6,
  refusalHoldHellos: 4,
  selfCheckFirstHellos: 2,
  selfCheckMaxHellos: 32,
  pathCheckHellos: 32,
};

/** Fills defaults in and checks the values; throws a RangeError naming the bad field. */
export function resolveConfig(partial: Partial<VrrConfig> & { address: Address }): VrrConfig {
  const merged = { ...DEFAULT_CONFIG, ...stripUndefined(partial) };
  const config: VrrConfig = {
    ...merged,
    setupRetryMs: merged.setupRetryMs ?? merged.helloMs,
    fastHelloMs: merged.fastHelloMs ?? merged.helloMs / 4,
    minHelloGapMs: merged.minHelloGapMs ?? merged.helloMs / 20,
  } as VrrConfig;
  if (!Number.isInteger(config.vsetSize) || config.vsetSize < 2 || config.vsetSize % 2 !== 0) {
    throw new RangeError(`vsetSize: expected an even integer >= 2, found ${config.vsetSize}`);
  }
  if (!(config.helloMs > 0))
    throw new RangeError(`helloMs: expected a positive number, found ${config.helloMs}`);
  if (!(config.fastHelloMs > 0 && config.fastHelloMs <= config.helloMs)) {
    throw new RangeError(`fastHelloMs: expected a number in (0, helloMs], found ${config.fastHelloMs}`);
  }
  if (!(config.minHelloGapMs >= 0 && config.minHelloGapMs <= config.fastHelloMs)) {
    throw new RangeError(
      `minHelloGapMs: expected a number in [0, fastHelloMs], found ${config.minHelloGapMs}`,
    );
  }
  if (!(config.hopLimit >= 1 && config.hopLimit <= 255)) {
    throw new RangeError(`hopLimit: expected 1..255, found ${config.hopLimit}`);
  }
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
