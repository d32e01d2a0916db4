// Argument checks shared by openTap and openPacketSocket: errors say what was expected and what was found.

/** Throws a RangeError unless name is a Linux interface name (1-15 bytes, no '/', no whitespace). */
export function checkInterfaceName(context: string, name: string): void {
  const bytes = typeof name === 'string' ? Buffer.byteLength(name) : 0;
  if (bytes < 1 || bytes > 15 || /[\s/:]/.test(name)) {
    throw new RangeError(
      `${context}: expected an interface name of 1-15 bytes without '/', ':' or spaces, found ${JSON.stringify(name)}`,
    );
  }
}

/** Throws a RangeError unless value is a 48-bit MAC address held in a number. */
export function checkMac(context: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 48) {
    throw new RangeError(`${context}: expected ${what} to be an integer in [0, 2^48), found ${value}`);
  }
}

/** Validates a batch budget: frames per onFrames call (default 64). */
export function checkBudget(context: string, budget: number | undefined): number {
  if (budget === undefined) return 64;
  if (!Number.isInteger(budget) || budget < 1 || budget > 4096) {
    throw new RangeError(`${context}: expected budget to be an integer in [1, 4096], found ${budget}`);
  }
  return budget;
}
